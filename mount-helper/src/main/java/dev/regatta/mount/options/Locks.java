package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;

import java.util.Locale;

/**
 * Whether a mount's NFS locks (fcntl/POSIX and flock) go to the data plane's lock manager, through the tunnel
 * (see docs/locks.md), or stay on this instance.
 */
public enum Locks {
    /** Locks stay on this instance ({@code nolock}): other clients do not see them. */
    OFF,
    /** Locks go to the data plane when this machine can do it; otherwise they stay local, and mount.regatta says so. */
    AUTO,
    /** Locks go to the data plane, or the mount fails with the reason. */
    REQUIRED;

    public static Locks parse(String text, String where) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw MountFailure.usage(where + ": '" + text + "' is not off, auto or required");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
