package dev.regatta.mount.controlplane;

import dev.regatta.mount.MountFailure;
import dev.regatta.mount.options.MountAccess;

/**
 * Turns a refusal into what the user reads: the control plane's reason verbatim, then what to do about it, which
 * depends on the status.
 */
public final class RefusalAdvice {

    private RefusalAdvice() {
    }

    public static MountFailure failure(ControlPlaneRefusal refusal, String fileSystemId, MountAccess access) {
        if (refusal.status() >= 200 && refusal.status() < 300) {
            return MountFailure.mountFailed(refusal.detail() + "\n  the control plane's version may not match "
                    + "mount.regatta's");
        }
        return MountFailure.mountFailed("the control plane refused the mount (HTTP " + refusal.status() + "): "
                + refusal.detail() + "\n  " + advice(refusal, fileSystemId, access));
    }

    public static MountFailure failure(ControlPlaneUnreachable unreachable) {
        return MountFailure.mountFailed(unreachable.getMessage() + "\n  check control_plane in the configuration "
                + "file (or -o control-plane=URL) and that this machine can reach that address", unreachable);
    }

    static String advice(ControlPlaneRefusal refusal, String fileSystemId, MountAccess access) {
        switch (refusal.status()) {
            case 400:
                return "the mount request was malformed or too old: check this machine's clock (the proof is "
                        + "time-stamped) and that mount.regatta and the control plane are of matching versions";
            case 403:
                return "if this machine should mount " + fileSystemId + ", ask a Regatta admin to grant your IAM "
                        + "role or user (the ARN above) access to it"
                        + (access == MountAccess.READ_WRITE ? "; a read-only grant needs -o ro" : "");
            case 404:
                return "check the file system ID, and that the control plane configured (control_plane, or -o "
                        + "control-plane=) is the one that has " + fileSystemId;
            case 429:
                return "too many mounts from this machine were refused lately; retry "
                        + refusal.retryAfter().map(after -> "in " + after.toSeconds() + " s").orElse("later");
            case 503:
                return "the control plane cannot serve this mount right now; try again in a few minutes";
            default:
                return "the control plane answered an unexpected status; its logs say more";
        }
    }
}
