package dev.regatta.controlplane.node;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;

import java.util.List;
import java.util.Map;

/** What a node reports on the file systems it serves (docs/control-plane-protocols.md). */
public record HeartbeatRequest(List<@Valid @NotNull Report> fileSystems) {

    public record Report(@NotNull(message = "is required") String fileSystemId,
                         @PositiveOrZero long cacheBytes,
                         @PositiveOrZero long dirtyBytes,
                         @PositiveOrZero long oldestUnsyncedSeconds,
                         @DecimalMin("0") @DecimalMax("1") double cacheHitRatio,
                         @PositiveOrZero int connectedClients,
                         Map<String, @NotNull @PositiveOrZero Long> s3Requests) {
    }
}
