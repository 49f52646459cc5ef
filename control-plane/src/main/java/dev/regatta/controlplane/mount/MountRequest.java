package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.controlplane.mount.sts.StsRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/v1/mounts}: which file system, with what access, the STS proof of who asks, and the key the
 * client certificate is for (docs/control-plane-protocols.md, "Mount authentication").
 *
 * @param renews the mount whose certificate this renews, or null for a new mount: a renewal keeps the mount's ID
 *               and session
 */
public record MountRequest(
        @NotNull @Pattern(regexp = "fs-[0-9a-f]{17}", message = "must be fs- and 17 lowercase hex digits")
        String fileSystemId,
        @NotNull AccessLevel access,
        @NotNull @Valid StsRequest stsRequest,
        @NotNull @Size(max = 16384) @Pattern(regexp = "(?s)\\s*-----BEGIN CERTIFICATE REQUEST-----.+-----END CERTIFICATE REQUEST-----\\s*",
                message = "must be a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)")
        String csr,
        @Pattern(regexp = "mount-[0-9a-f]{17}", message = "must be mount- and 17 lowercase hex digits")
        String renews) {

    /** Without the CSR: a request may end up in a log line. */
    @Override
    public String toString() {
        return "MountRequest[fileSystemId=" + fileSystemId + ", access=" + access + ", stsRequest=" + stsRequest
                + ", renews=" + renews + "]";
    }
}
