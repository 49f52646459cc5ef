package dev.regatta.dataplane.node;

import java.util.Map;

/**
 * What a heartbeat tells the control plane about one file system served here.
 *
 * @param cacheHitRatio    reads served from the local cache, of all reads since the file system started here
 *                         (0 before the first read)
 * @param connectedClients client addresses that made an NFS or MOUNT call on the file system in the last 5 minutes
 * @param s3Requests       requests sent to S3 since the file system started here, by type (GET, PUT, LIST, ...)
 * @param nfsOperations    NFS, MOUNT and NLM calls on the file system since it started here
 */
public record FileSystemReport(String fileSystemId, long cacheBytes, long dirtyBytes, long oldestUnsyncedSeconds,
                               double cacheHitRatio, int connectedClients, Map<String, Long> s3Requests,
                               long nfsOperations) {
}
