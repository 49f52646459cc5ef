package dev.regatta.mount.controlplane;

import java.time.Duration;
import java.util.Optional;

/**
 * The control plane said no, with its reason (the problem's {@code detail}), which is written for the user and is
 * shown as it came.
 */
public final class ControlPlaneRefusal extends RuntimeException {

    private final int status;
    private final Optional<Duration> retryAfter;

    public ControlPlaneRefusal(int status, String detail, Optional<Duration> retryAfter) {
        super(detail);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return getMessage();
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
