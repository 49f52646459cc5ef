package dev.regatta.controlplane.status;

import java.time.Instant;
import java.util.Map;

/**
 * What the serving node last reported about a file system (docs/control-plane-protocols.md, heartbeat).
 *
 * @param oldestUnsyncedSeconds age of the oldest change not yet in S3: what a crash of the node would put at risk
 * @param s3Requests            request type to count, since the node started
 * @param nfsOperations         NFS, MOUNT and NLM calls on the file system since the node started; null when the
 *                              node does not report it (older nodes)
 */
public record FileSystemReport(String fileSystemId, String nodeId, Instant reportedAt, long cacheBytes,
                               long dirtyBytes, long oldestUnsyncedSeconds, double cacheHitRatio,
                               int connectedClients, Map<String, Long> s3Requests,
                               Long nfsOperations) {
}
