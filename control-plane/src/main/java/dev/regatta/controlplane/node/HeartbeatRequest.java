package dev.regatta.controlplane.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.regatta.controlplane.node.FileSystemReport.FailingFile;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a node reports on the file systems it serves (docs/control-plane-protocols.md). A counter the node leaves
 * out counts as 0: a heartbeat is the node's lifeline and must not fail over a missing statistic. The exceptions are
 * {@code nfsOperations} and {@code failingFiles}, which older nodes do not send: they stay null (absent), so that the
 * console shows nothing rather than a false zero. Fields a newer node adds are ignored, here and in each report.
 *
 * @param zone               its failure domain; null keeps the stored one
 * @param nfsAddress         host:port of its plain NFS port; null keeps the stored one (ports may change when a node
 *                           restarts)
 * @param replicationAddress host:port of its replication server; null keeps the stored one
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HeartbeatRequest(List<@Valid @NotNull Report> fileSystems,
                               @Pattern(regexp = NodeFacts.ZONE_PATTERN, message = NodeFacts.ZONE_MESSAGE) String zone,
                               @Size(max = 300) String nfsAddress,
                               @Size(max = 300) String replicationAddress) {

    /** How many failing files a report keeps, and how much of each error: more is cut, never refused. */
    static final int FAILING_KEPT = 10;
    static final int TEXT_KEPT = 1000;

    /**
     * One file system's report.
     *
     * @param role         what the node is in the file system's group: "leader", "follower" or "starting"; anything
     *                     else, or absent (older nodes), is unknown, never an error
     * @param term         the Raft term the node knows
     * @param appliedIndex the last replication-log index the node applied
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Report(@NotNull(message = "is required") String fileSystemId,
                         @PositiveOrZero Long cacheBytes,
                         @PositiveOrZero Long dirtyBytes,
                         @PositiveOrZero Long oldestUnsyncedSeconds,
                         @DecimalMin("0") @DecimalMax("1") Double cacheHitRatio,
                         @PositiveOrZero Integer connectedClients,
                         Map<String, @NotNull @PositiveOrZero Long> s3Requests,
                         @PositiveOrZero Long nfsOperations,
                         @PositiveOrZero Integer failingFiles,
                         List<@NotNull FailingFile> failing,
                         String role,
                         @PositiveOrZero Long term,
                         @PositiveOrZero Long appliedIndex) {

        public Report {
            cacheBytes = Objects.requireNonNullElse(cacheBytes, 0L);
            dirtyBytes = Objects.requireNonNullElse(dirtyBytes, 0L);
            oldestUnsyncedSeconds = Objects.requireNonNullElse(oldestUnsyncedSeconds, 0L);
            cacheHitRatio = Objects.requireNonNullElse(cacheHitRatio, 0.0);
            connectedClients = Objects.requireNonNullElse(connectedClients, 0);
            s3Requests = Objects.requireNonNullElse(s3Requests, Map.of());
            failing = failing == null ? List.of() : failing.stream().filter(Objects::nonNull).limit(FAILING_KEPT)
                    .map(f -> new FailingFile(cut(f.path()), cut(f.code()), cut(f.error()), f.attempts(), f.since()))
                    .toList();
        }

        private static String cut(String s) {
            return s == null || s.length() <= TEXT_KEPT ? s : s.substring(0, TEXT_KEPT) + "…";
        }
    }

    public List<Report> reports() {
        return fileSystems == null ? List.of() : fileSystems;
    }
}
