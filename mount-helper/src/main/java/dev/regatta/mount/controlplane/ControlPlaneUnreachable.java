package dev.regatta.mount.controlplane;

import java.net.URI;

/** No answer from the control plane at all (no route, refused connection, timeout, TLS failure). */
public final class ControlPlaneUnreachable extends RuntimeException {

    public ControlPlaneUnreachable(URI controlPlane, Throwable cause) {
        super("cannot reach the control plane at " + controlPlane + " (" + describe(cause) + ")", cause);
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
