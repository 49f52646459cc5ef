package dev.regatta.mount.tunnel;

/**
 * Starts and stops the TLS tunnel of a mount: a process of its own that listens on 127.0.0.1 for the kernel's NFS
 * client and carries each connection to the data-plane node over mutual TLS. The process outlives mount.regatta;
 * the watchdog looks after it from then on.
 */
public interface TunnelLauncher {

    /**
     * Starts a tunnel and returns once it listens.
     *
     * @throws TunnelStartFailure when it exits or does not say it listens in time (it is stopped then)
     */
    TunnelProcess start(TunnelSpec spec);

    /** Whether this very process still runs (not another that got its PID since). */
    boolean isRunning(TunnelProcess tunnel);

    /** Stops the tunnel if it still runs; waits a little for it to go. */
    void stop(TunnelProcess tunnel);
}
