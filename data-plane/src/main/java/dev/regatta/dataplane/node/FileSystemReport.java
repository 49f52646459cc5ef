package dev.regatta.dataplane.node;

import java.util.List;
import java.util.Map;

/**
 * What a heartbeat tells the control plane about one file system served here.
 *
 * @param cacheHitRatio    reads served from the local cache, of all reads since the file system started here
 *                         (0 before the first read)
 * @param connectedClients client addresses that made an NFS or MOUNT call on the file system in the last 5 minutes
 * @param s3Requests       requests sent to S3 since the file system started here, by type (GET, PUT, LIST, ...)
 * @param nfsOperations    NFS, MOUNT and NLM calls on the file system since it started here
 * @param failingFiles     files whose upload keeps failing (see SyncEngine): S3 refused them, or retries went on
 * @param failing          the first few of them (longest failing first), for the operator to act on
 * @param role             {@code leader} (it serves the file system: always, alone) or {@code follower}
 * @param term             the replication group's term as this node knows it (0 alone)
 * @param appliedIndex     the last entry of the group's log this node applied, or null (alone, or none applied yet):
 *                         the control plane shows a follower's lag from it
 */
public record FileSystemReport(String fileSystemId, long cacheBytes, long dirtyBytes, long oldestUnsyncedSeconds,
                               double cacheHitRatio, int connectedClients, Map<String, Long> s3Requests,
                               long nfsOperations, int failingFiles, List<FailingFile> failing, String role,
                               long term, Long appliedIndex) {

    /** The roles a report names; the control plane reads these words. */
    public static final String LEADER = "leader";
    public static final String FOLLOWER = "follower";

    /**
     * One failing file.
     *
     * @param code  S3's error code (e.g. AccessDenied), or what stands in for it when S3 gave no answer
     * @param error the last failure: the request, the key and S3's answer
     * @param since when its first failed attempt in a row was, ISO-8601
     */
    public record FailingFile(String path, String code, String error, int attempts, String since) {
    }
}
