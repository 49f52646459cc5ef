package dev.regatta.dataplane.node;

import java.util.List;

/**
 * A file system the control plane assigned to this node, as each heartbeat answer lists it.
 *
 * @param endpoint          null for AWS's endpoint of the region
 * @param flushDelaySeconds a changed file is uploaded at the latest this long after its first change
 * @param cacheTtlSeconds   clean cached data leaves after this long unread
 * @param members           the nodes of its replication group, this one among them, in the control plane's order;
 *                          one (or none, from a control plane before groups): this node serves it alone
 */
public record AssignedFileSystem(String id, String bucket, String region, String endpoint, String keyPrefix,
                                 long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                                 long flushDelaySeconds, long cacheTtlSeconds, List<Grant> grants,
                                 List<Member> members) {

    /** A member of the file system's group; {@code replicationAddress} is where its replication server listens. */
    public record Member(String nodeId, String name, String replicationAddress) {
    }

    public AssignedFileSystem {
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
        grants = grants == null ? List.of() : List.copyOf(grants);
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** Whether serving {@code other} instead of this needs a restart: anything but the grants differs. */
    public boolean settingsDifferFrom(AssignedFileSystem other) {
        return !withoutGrants().equals(other.withoutGrants());
    }

    private AssignedFileSystem withoutGrants() {
        return new AssignedFileSystem(id, bucket, region, endpoint, keyPrefix, defaultUid, defaultGid,
                defaultFileMode, defaultDirMode, flushDelaySeconds, cacheTtlSeconds, List.of(), members);
    }
}
