package dev.regatta.mount.controlplane;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.regatta.mount.aws.StsProof;
import dev.regatta.mount.options.MountAccess;

/**
 * {@code POST /api/v1/mounts}: which file system, with what access, who asks (the proof), and for which key.
 *
 * @param renews the mount ID whose certificate this renews, so that the control plane keeps its session; absent
 *               from the body for a new mount
 */
public record MountRequest(String fileSystemId, MountAccess access, StsProof stsRequest, String csr,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String renews) {

    /** A new mount. */
    public MountRequest(String fileSystemId, MountAccess access, StsProof stsRequest, String csr) {
        this(fileSystemId, access, stsRequest, csr, null);
    }

    /** Without the proof's values and the CSR. */
    @Override
    public String toString() {
        return "MountRequest[fileSystemId=" + fileSystemId + ", access=" + access + ", stsRequest=" + stsRequest
                + (renews == null ? "" : ", renews=" + renews) + "]";
    }
}
