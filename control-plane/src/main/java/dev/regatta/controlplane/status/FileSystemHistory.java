package dev.regatta.controlplane.status;

import dev.regatta.controlplane.node.FileSystemReport;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A file system's reports over a time window, oldest first, for the console's charts. Nodes report cumulative
 * counters (since the node started); each sample turns them into rates over the interval since the previous report
 * of the same node. A counter lower than before means the node restarted: the rates are then the new values over the
 * interval (what was counted since the restart, at most), never negative.
 *
 * @param from the window's start (samples at or after it)
 * @param to   the window's end: when this was read
 */
public record FileSystemHistory(String fileSystemId, Instant from, Instant to, List<Sample> samples) {

    /**
     * One report.
     *
     * @param at                     when the control plane received it
     * @param nodeId                 the node that made it
     * @param s3RequestsPerSecond    S3 requests per second by type since the node's previous report; null for the
     *                               node's first report
     * @param nfsOperationsPerSecond NFS, MOUNT and NLM calls per second since the node's previous report; null for
     *                               the node's first report, and when the node does not report the count (older
     *                               nodes)
     */
    public record Sample(Instant at, String nodeId, long cacheBytes, long dirtyBytes, long oldestUnsyncedSeconds,
                         double cacheHitRatio, int connectedClients, Map<String, Double> s3RequestsPerSecond,
                         Double nfsOperationsPerSecond) {

        /** @param previous the same node's report before, or null */
        static Sample of(FileSystemReport previous, FileSystemReport r) {
            Map<String, Double> s3 = null;
            Double nfs = null;
            double seconds = previous == null ? 0
                    : Duration.between(previous.reportedAt(), r.reportedAt()).toNanos() / 1e9;
            if (seconds > 0) {
                boolean restarted = restarted(previous, r);
                s3 = new TreeMap<>();
                for (Map.Entry<String, Long> count : r.s3Requests().entrySet()) {
                    long before = restarted ? 0 : previous.s3Requests().getOrDefault(count.getKey(), 0L);
                    s3.put(count.getKey(), Math.max(0, count.getValue() - before) / seconds);
                }
                if (r.nfsOperations() != null) {
                    long before = restarted || previous.nfsOperations() == null ? 0 : previous.nfsOperations();
                    nfs = Math.max(0, r.nfsOperations() - before) / seconds;
                }
            }
            return new Sample(r.reportedAt(), r.nodeId(), r.cacheBytes(), r.dirtyBytes(), r.oldestUnsyncedSeconds(),
                    r.cacheHitRatio(), r.connectedClients(), s3, nfs);
        }

        /** Whether a counter went down (or vanished) since the previous report: the node started anew. */
        private static boolean restarted(FileSystemReport previous, FileSystemReport r) {
            for (Map.Entry<String, Long> before : previous.s3Requests().entrySet()) {
                if (r.s3Requests().getOrDefault(before.getKey(), 0L) < before.getValue()) {
                    return true;
                }
            }
            return previous.nfsOperations() != null && (r.nfsOperations() == null
                    || r.nfsOperations() < previous.nfsOperations());
        }
    }

    /**
     * @param reports the reports from {@code from} on, oldest first, each node's first one preceded by its report
     *                before {@code from} if there is one (which gives it a rate but is not itself a sample)
     */
    public static FileSystemHistory of(String fileSystemId, Instant from, Instant to, List<FileSystemReport> reports) {
        Map<String, FileSystemReport> lastByNode = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        for (FileSystemReport r : reports) {
            FileSystemReport previous = lastByNode.put(r.nodeId(), r);
            if (!r.reportedAt().isBefore(from)) {
                samples.add(Sample.of(previous, r));
            }
        }
        return new FileSystemHistory(fileSystemId, from, to, samples);
    }
}
