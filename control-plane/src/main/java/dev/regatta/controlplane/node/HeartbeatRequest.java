package dev.regatta.controlplane.node;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a node reports on the file systems it serves (docs/control-plane-protocols.md). A counter the node leaves
 * out counts as 0: a heartbeat is the node's lifeline and must not fail over a missing statistic. The exception is
 * {@code nfsOperations}, which older nodes do not send: it stays null (absent), so that the console shows no rate
 * rather than a false zero.
 */
public record HeartbeatRequest(List<@Valid @NotNull Report> fileSystems) {

    public record Report(@NotNull(message = "is required") String fileSystemId,
                         @PositiveOrZero Long cacheBytes,
                         @PositiveOrZero Long dirtyBytes,
                         @PositiveOrZero Long oldestUnsyncedSeconds,
                         @DecimalMin("0") @DecimalMax("1") Double cacheHitRatio,
                         @PositiveOrZero Integer connectedClients,
                         Map<String, @NotNull @PositiveOrZero Long> s3Requests,
                         @PositiveOrZero Long nfsOperations) {

        public Report {
            cacheBytes = Objects.requireNonNullElse(cacheBytes, 0L);
            dirtyBytes = Objects.requireNonNullElse(dirtyBytes, 0L);
            oldestUnsyncedSeconds = Objects.requireNonNullElse(oldestUnsyncedSeconds, 0L);
            cacheHitRatio = Objects.requireNonNullElse(cacheHitRatio, 0.0);
            connectedClients = Objects.requireNonNullElse(connectedClients, 0);
            s3Requests = Objects.requireNonNullElse(s3Requests, Map.of());
        }
    }

    public List<Report> reports() {
        return fileSystems == null ? List.of() : fileSystems;
    }
}
