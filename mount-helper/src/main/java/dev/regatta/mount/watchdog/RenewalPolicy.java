package dev.regatta.mount.watchdog;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew a certificate: {@code renewal_margin} before it expires, or a third of its lifetime before when that
 * is less, so that a short-lived certificate is not renewed right after it was issued.
 */
final class RenewalPolicy {

    private RenewalPolicy() {
    }

    static Instant renewAt(Instant issuedAt, Instant expiresAt, Duration margin) {
        Duration third = Duration.between(issuedAt, expiresAt).dividedBy(3);
        return expiresAt.minus(third.compareTo(margin) < 0 ? third : margin);
    }
}
