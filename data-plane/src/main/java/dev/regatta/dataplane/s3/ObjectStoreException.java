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
    private final String code;

    /** A failure without an answer from S3 (no error code): its code is the kind's name. */
    public ObjectStoreException(Kind kind, String message, Throwable cause) {
        this(kind, null, message, cause);
    }

    /**
     * @param code S3's error code (e.g. {@code AccessDenied}), {@code HTTP_<status>} for an error answer without
     *             one, or null when S3 gave no answer (then the kind's name stands in)
     */
    public ObjectStoreException(Kind kind, String code, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        // A label value: S3's codes are short words; anything else a server sends is cut down to one.
        String c = code == null ? kind.name() : code.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.code = c.length() > 64 ? c.substring(0, 64) : c;
    }

    /** What went wrong in a few characters, for a metric's label: S3's error code where there is one. */
    public String code() {
        return code;
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
