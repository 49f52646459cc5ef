package dev.regatta.dataplane.locks;

import java.time.Duration;
import java.util.Objects;

/**
 * The node's settings for NLM locks.
 *
 * @param gracePeriod     after a start, how long only reclaims are granted, when clients held locks before (Linux's
 *                        lockd: 5 × nlm_timeout = 50 s)
 * @param lease           0: off. Otherwise a safety net for clients that vanish without a reboot notification: a
 *                        client that holds locks, has made no call for this long and whose lock manager does not
 *                        answer a NULL call loses its locks. NLM clients never renew their locks, so a silent client
 *                        is not a dead one; the probe is what keeps a live one's locks. Off by default: a direct
 *                        client's lock manager may sit behind a firewall that the probe cannot pass.
 * @param tunnelledLease  the same for clients behind the TLS front, whose probe goes through the mount's callback
 *                        line and so reaches every live mount; 0: off. An instance that crashed or vanished never
 *                        says so (its next boot has new mounts), so this is what frees its locks.
 * @param callbackTimeout how long one callback to a client (GRANTED, a *_RES answer, SM_NOTIFY, the lease probe, and
 *                        each portmap lookup before them) may take before it counts as failed
 */
public record LockSettings(Duration gracePeriod, Duration lease, Duration tunnelledLease, Duration callbackTimeout) {

    public static final Duration DEFAULT_TUNNELLED_LEASE = Duration.ofSeconds(90);
    public static final LockSettings DEFAULTS =
            new LockSettings(Duration.ofSeconds(50), Duration.ZERO, DEFAULT_TUNNELLED_LEASE, Duration.ofSeconds(5));

    public LockSettings {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(tunnelledLease, "tunnelledLease");
        Objects.requireNonNull(callbackTimeout, "callbackTimeout");
        if (gracePeriod.isNegative() || lease.isNegative() || tunnelledLease.isNegative()) {
            throw new IllegalArgumentException("the grace period and the leases cannot be negative");
        }
        if (callbackTimeout.isZero() || callbackTimeout.isNegative()) {
            throw new IllegalArgumentException("the callback timeout must be positive");
        }
    }

    /** With the default lease for tunnelled clients. */
    public LockSettings(Duration gracePeriod, Duration lease, Duration callbackTimeout) {
        this(gracePeriod, lease, DEFAULT_TUNNELLED_LEASE, callbackTimeout);
    }

    /** The lease that applies to a client: whether it came through the TLS front or directly. */
    public Duration lease(boolean tunnelled) {
        return tunnelled ? tunnelledLease : lease;
    }

    public boolean leaseEnabled() {
        return !lease.isZero() || !tunnelledLease.isZero();
    }

    /** The shortest lease in force; zero when none is. */
    public Duration shortestLease() {
        if (lease.isZero() || tunnelledLease.isZero()) {
            return lease.plus(tunnelledLease);
        }
        return lease.compareTo(tunnelledLease) <= 0 ? lease : tunnelledLease;
    }
}
