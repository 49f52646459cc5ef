package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.mount.sts.StsRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * {@code POST /api/v1/mounts/{id}/unmount}: the client reports that a mount ended, proving with a fresh STS proof
 * for the mount's file system that it is the identity that mounted (docs/control-plane-protocols.md).
 */
public record UnmountRequest(
        @NotNull @Pattern(regexp = "fs-[0-9a-f]{17}", message = "must be fs- and 17 lowercase hex digits")
        String fileSystemId,
        @NotNull @Valid StsRequest stsRequest) {
}
