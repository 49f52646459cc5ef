package dev.regatta.dataplane.s3;

import java.io.IOException;

/** A failed S3 request, classified for the caller: retry later, gone, or changed under us. */
public class ObjectStoreException extends IOException {

    public enum Kind {
        /** Network failure, 5xx, throttling: the same request may succeed later. */
        RETRYABLE,
        NOT_FOUND,
        /** An If-Match/copy-source-if-match failed: the object changed since we last saw it. */
        PRECONDITION_FAILED,
        /** Access denied, bad request, missing bucket: retrying will not help. */
        PERMANENT
    }

    private final Kind kind;

    public ObjectStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind == Kind.RETRYABLE;
    }

    public boolean notFound() {
        return kind == Kind.NOT_FOUND;
    }

    public boolean preconditionFailed() {
        return kind == Kind.PRECONDITION_FAILED;
    }
}
