package dev.regatta.mount;

/** The exit codes mount(8) documents for its helpers, the subset mount.regatta uses. */
public final class ExitCodes {

    public static final int SUCCESS = 0;
    /** Incorrect invocation or permissions. */
    public static final int USAGE = 1;
    /** A local system error: a file that cannot be written, a process that cannot be started. */
    public static final int SYSTEM_ERROR = 2;
    /** A bug in mount.regatta: an error it did not expect. */
    public static final int INTERNAL_ERROR = 4;
    /** The mount failed: the control plane refused, the tunnel did not start, the kernel said no. */
    public static final int MOUNT_FAILURE = 32;

    private ExitCodes() {
    }
}
