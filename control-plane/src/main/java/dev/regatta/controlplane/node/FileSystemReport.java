package dev.regatta.controlplane.node;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the serving node (the group's leader) last reported about a file system (docs/control-plane-protocols.md,
 * heartbeat).
 *
 * @param oldestUnsyncedSeconds age of the oldest change not yet in S3: what a crash of the node would put at risk
 * @param s3Requests            request type to count, since the node started
 * @param nfsOperations         NFS, MOUNT and NLM calls on the file system since the node started; null when the
 *                              node does not report it (older nodes)
 * @param failingFiles          files whose upload keeps failing (S3 refused them, or several attempts in a row
 *                              failed); null when the node does not report it (older nodes), and in the history
 * @param failing               the first few of them, longest failing first; empty when none or not reported
 */
public record FileSystemReport(String fileSystemId, String nodeId, Instant reportedAt, long cacheBytes,
                               long dirtyBytes, long oldestUnsyncedSeconds, double cacheHitRatio,
                               int connectedClients, Map<String, Long> s3Requests,
                               Long nfsOperations, Integer failingFiles, List<FailingFile> failing) {

    public FileSystemReport {
        failing = failing == null ? List.of() : List.copyOf(failing);
    }

    /**
     * A file the node cannot get into the bucket.
     *
     * @param path     its path in the file system
     * @param code     S3's error code (e.g. AccessDenied), or what the node puts for a failure without an answer
     * @param error    the last failure as the node logged it: the request, the key and S3's answer
     * @param attempts failed attempts in a row
     * @param since    when the first of them failed
     */
    public record FailingFile(String path, String code, String error, int attempts, Instant since) {
    }
}
