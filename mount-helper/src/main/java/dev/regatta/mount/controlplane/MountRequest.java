package dev.regatta.mount.controlplane;

import dev.regatta.mount.aws.StsProof;
import dev.regatta.mount.options.Access;

/** {@code POST /api/v1/mounts}: which file system, with what access, who asks (the proof), and for which key. */
public record MountRequest(String fileSystemId, Access access, StsProof stsRequest, String csr) {

    /** Without the proof's values and the CSR. */
    @Override
    public String toString() {
        return "MountRequest[fileSystemId=" + fileSystemId + ", access=" + access + ", stsRequest=" + stsRequest + "]";
    }
}
