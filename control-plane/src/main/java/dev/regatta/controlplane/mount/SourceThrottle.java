package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.audit.AuditLog;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Slows down guessing: a source address refused {@code regatta.mounts.failed-attempts-per-source} times within
 * {@code regatta.mounts.failure-window} gets 429 until the oldest of those refusals leaves the window, before its
 * proof goes anywhere near STS. It counts the refusals in the audit log, so control planes over one database share
 * the count; concurrent attempts may each pass a count taken just before the other's refusal, which is harmless.
 */
@Component
class SourceThrottle {

    private final AuditLog audit;
    private final int limit;
    private final Duration window;

    SourceThrottle(AuditLog audit, ControlPlaneProperties properties) {
        this.audit = audit;
        this.limit = properties.mounts().failedAttemptsPerSource();
        this.window = properties.mounts().failureWindow();
    }

    /** How long a refusal counts against its source; also the span of one audit row of throttled refusals. */
    Duration window() {
        return window;
    }

    /** @throws MountRefusedException (429, with when to retry) while {@code source} is over its limit */
    void requireUnderLimit(String source, Instant now) {
        List<Instant> refusals = audit.callerErrorsFrom(source, now.minus(window), limit);
        if (refusals.size() >= limit) {
            Instant leavesWindow = refusals.getLast().plus(window);
            Duration retryAfter = Duration.ofSeconds(Math.max(1,
                    (long) Math.ceil(Duration.between(now, leavesWindow).toMillis() / 1000.0)));
            throw MountRefusedException.tooManyRefusals(limit + " refused mount attempts from " + source
                    + " within " + window.toSeconds() + " s; try again in " + retryAfter.toSeconds() + " s",
                    retryAfter);
        }
    }
}
