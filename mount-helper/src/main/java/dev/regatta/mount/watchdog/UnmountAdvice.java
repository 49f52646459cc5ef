package dev.regatta.mount.watchdog;

import dev.regatta.mount.controlplane.ControlPlaneRefusal;

/** What an operator reading the watchdog's log can make of a refused unmount report, by status. */
final class UnmountAdvice {

    private UnmountAdvice() {
    }

    /** @return text to append to the log line ("; ..."), or nothing when the status says nothing more */
    static String of(ControlPlaneRefusal refusal) {
        if (fromAnOlderControlPlane(refusal)) {
            return "; this control plane does not take unmount reports (it is older than this mount.regatta)";
        }
        return switch (refusal.status()) {
            case 400 -> "; check this machine's clock (the proof is time-stamped) and that mount.regatta and the "
                    + "control plane are of matching versions";
            case 403 -> "; the report must be signed by the IAM identity that mounted, and this machine's credentials "
                    + "are another identity now";
            case 404 -> "; the control plane does not know this mount (its file system was deleted, or the control "
                    + "plane is another one)";
            case 429 -> "; the control plane refused too many requests from this machine lately";
            case 503 -> "; the control plane could not check the report with STS";
            default -> "";
        };
    }

    /**
     * A control plane from before unmount reports takes the path for an admin API call, which without an admin's
     * token or session is refused for the missing CSRF token (403) or authentication (401).
     */
    private static boolean fromAnOlderControlPlane(ControlPlaneRefusal refusal) {
        return refusal.status() == 401 || refusal.status() == 403 && refusal.detail().contains("CSRF token");
    }
}
