package dev.regatta.mount.controlplane;

import dev.regatta.mount.aws.StsProof;

/**
 * {@code POST /api/v1/mounts/{id}/unmount}: the mount's file system and a fresh proof that the identity that mounted
 * reports it.
 */
public record UnmountReport(String fileSystemId, StsProof stsRequest) {

    /** Without the proof's values. */
    @Override
    public String toString() {
        return "UnmountReport[fileSystemId=" + fileSystemId + ", stsRequest=" + stsRequest + "]";
    }
}
