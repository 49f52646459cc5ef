package dev.regatta.controlplane.node;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.Member;
import dev.regatta.controlplane.filesystem.ReplicationGroup;
import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.controlplane.grant.Grant;

import java.util.List;

/**
 * Everything a node must serve, complete every time, so that a node that missed heartbeats catches up with the next
 * one and a removed grant is gone from it within one interval (docs/control-plane-protocols.md).
 */
public record HeartbeatResponse(long heartbeatIntervalSeconds, List<AssignedFileSystem> fileSystems) {

    /**
     * A file system whose group the node is a member of, leading it or not.
     *
     * @param endpoint null for AWS's endpoint of the region
     * @param replicas how many nodes the group has when complete
     * @param members  the group's members in position order, the node itself included: whom its replication server
     *                 joins. Fewer than {@code replicas} while a place is empty (its node was deleted)
     */
    public record AssignedFileSystem(String id, String bucket, String region, String endpoint, String keyPrefix,
                                     long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                                     int flushDelaySeconds, int cacheTtlSeconds, List<AssignedGrant> grants,
                                     int replicas, List<GroupMember> members) {

        /** @param nodeId the node the answer is for ({@link ReplicationGroup#membersToldTo}) */
        static AssignedFileSystem of(FileSystem fs, List<Grant> grants, ReplicationGroup group, String nodeId) {
            return new AssignedFileSystem(fs.id(), fs.bucket(), fs.region(), fs.endpoint(), fs.keyPrefix(),
                    fs.defaultUid(), fs.defaultGid(), fs.defaultFileMode(), fs.defaultDirMode(),
                    fs.flushDelaySeconds(), fs.cacheTtlSeconds(), grants.stream().map(AssignedGrant::of).toList(),
                    fs.replicas(), group.membersToldTo(nodeId).stream().map(GroupMember::of).toList());
        }
    }

    public record AssignedGrant(String id, String principal, AccessLevel access, boolean rootSquash) {

        static AssignedGrant of(Grant g) {
            return new AssignedGrant(g.id(), g.principal().text(), g.access(), g.rootSquash());
        }
    }

    /**
     * A member of the group, as its peers reach it.
     *
     * @param replicationAddress host:port of its replication server, or null when it reported none
     * @param nfsAddress         host:port of its plain NFS port, or null when it reported none
     * @param tlsAddress         host:port of its TLS front (its registered {@code address})
     */
    public record GroupMember(String nodeId, String name, String replicationAddress, String nfsAddress,
                              String tlsAddress) {

        static GroupMember of(Member m) {
            return new GroupMember(m.nodeId(), m.name(), m.replicationAddress(), m.nfsAddress(), m.address());
        }
    }
}
