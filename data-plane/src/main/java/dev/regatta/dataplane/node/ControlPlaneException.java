package dev.regatta.dataplane.node;

/** A call to the control plane that did not succeed, sorted by what the node does about it. */
final class ControlPlaneException extends Exception {

    enum Kind {
        /** No answer: connection refused, timeout, a proxy's 5xx. Retry later; keep serving. */
        UNREACHABLE,
        /** 401: the bootstrap token, or the node's ID or token, is not accepted. */
        UNAUTHORIZED,
        /** Any other refusal; {@link #getMessage()} carries the control plane's {@code detail}. */
        REFUSED
    }

    private final Kind kind;

    ControlPlaneException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
