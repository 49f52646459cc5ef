package dev.regatta.mount.tunnel;

/** The tunnel exited or did not say it listens in time; the message ends with the last lines of its log. */
public final class TunnelStartFailure extends RuntimeException {

    public TunnelStartFailure(String message) {
        super(message);
    }
}
