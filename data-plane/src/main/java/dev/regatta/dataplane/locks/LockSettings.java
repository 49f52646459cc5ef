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
 *                        is not a dead one; the probe is what keeps a live one's locks.
 * @param callbackTimeout how long one callback to a client (GRANTED, a *_RES answer, SM_NOTIFY, the lease probe, and
 *                        each portmap lookup before them) may take before it counts as failed
 */
public record LockSettings(Duration gracePeriod, Duration lease, Duration callbackTimeout) {

    public static final LockSettings DEFAULTS =
            new LockSettings(Duration.ofSeconds(50), Duration.ZERO, Duration.ofSeconds(5));

    public LockSettings {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(callbackTimeout, "callbackTimeout");
        if (gracePeriod.isNegative() || lease.isNegative()) {
            throw new IllegalArgumentException("the grace period and the lease cannot be negative");
        }
        if (callbackTimeout.isZero() || callbackTimeout.isNegative()) {
            throw new IllegalArgumentException("the callback timeout must be positive");
        }
    }

    public boolean leaseEnabled() {
        return !lease.isZero();
    }
}
