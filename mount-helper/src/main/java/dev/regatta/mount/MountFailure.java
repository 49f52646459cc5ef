package dev.regatta.mount;

/**
 * Why mount.regatta stops, in words a user can act on, with the exit code mount(8) expects. The message is printed
 * as it is: it must never contain a secret (a key, a signature, a session token).
 */
public final class MountFailure extends RuntimeException {

    private final int exitCode;

    private MountFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static MountFailure usage(String message) {
        return new MountFailure(ExitCodes.USAGE, message, null);
    }

    public static MountFailure mountFailed(String message) {
        return new MountFailure(ExitCodes.MOUNT_FAILURE, message, null);
    }

    public static MountFailure mountFailed(String message, Throwable cause) {
        return new MountFailure(ExitCodes.MOUNT_FAILURE, message, cause);
    }

    public static MountFailure system(String message, Throwable cause) {
        return new MountFailure(ExitCodes.SYSTEM_ERROR, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
