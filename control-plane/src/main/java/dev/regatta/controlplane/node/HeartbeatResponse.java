package dev.regatta.controlplane.node;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.controlplane.grant.Grant;

import java.util.List;

/**
 * Everything a node must serve, complete every time, so that a node that missed heartbeats catches up with the next
 * one and a removed grant is gone from it within one interval (docs/control-plane-protocols.md).
 */
public record HeartbeatResponse(long heartbeatIntervalSeconds, List<AssignedFileSystem> fileSystems) {

    /** @param endpoint null for AWS's endpoint of the region */
    public record AssignedFileSystem(String id, String bucket, String region, String endpoint, String keyPrefix,
                                     long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                                     int flushDelaySeconds, int cacheTtlSeconds, List<AssignedGrant> grants) {

        static AssignedFileSystem of(FileSystem fs, List<Grant> grants) {
            return new AssignedFileSystem(fs.id(), fs.bucket(), fs.region(), fs.endpoint(), fs.keyPrefix(),
                    fs.defaultUid(), fs.defaultGid(), fs.defaultFileMode(), fs.defaultDirMode(),
                    fs.flushDelaySeconds(), fs.cacheTtlSeconds(), grants.stream().map(AssignedGrant::of).toList());
        }
    }

    public record AssignedGrant(String id, String principal, AccessLevel access, boolean rootSquash) {

        static AssignedGrant of(Grant g) {
            return new AssignedGrant(g.id(), g.principal().text(), g.access(), g.rootSquash());
        }
    }
}
