package dev.regatta.dataplane.model;

/** A file system call that failed for a reason the caller can be told. */
public class FsException extends Exception {

    private final FsError error;

    public FsException(FsError error, String message) {
        super(message);
        this.error = error;
    }

    public FsException(FsError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public FsError error() {
        return error;
    }
}
