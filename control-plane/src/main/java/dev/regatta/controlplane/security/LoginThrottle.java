package dev.regatta.controlplane.security;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Limits password guessing: a source address with {@code regatta.admin.failed-logins-per-source} failed sign-ins
 * within {@code regatta.admin.failed-login-window} is refused until the oldest of them leaves the window. Kept in
 * memory (sign-ins are rare, so one lock is enough); a restart forgets it.
 */
@Component
class LoginThrottle {

    private final int limit;
    private final Duration window;
    private final Map<String, Deque<Instant>> failures = new HashMap<>();

    LoginThrottle(ControlPlaneProperties properties) {
        this.limit = properties.admin().failedLoginsPerSource();
        this.window = properties.admin().failedLoginWindow();
    }

    /** How long the source must wait before its next attempt, if it is blocked now. */
    synchronized Optional<Duration> blockedFor(String source, Instant now) {
        Deque<Instant> recent = failures.get(source);
        if (recent == null) {
            return Optional.empty();
        }
        expire(recent, now);
        if (recent.size() < limit) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, recent.peekFirst().plus(window)));
    }

    synchronized void recordFailure(String source, Instant now) {
        Deque<Instant> recent = failures.computeIfAbsent(source, s -> new ArrayDeque<>());
        expire(recent, now);
        recent.addLast(now);
    }

    synchronized void reset(String source) {
        failures.remove(source);
    }

    @Scheduled(fixedDelay = 60_000)
    synchronized void forgetExpired() {
        Instant now = Instant.now();
        failures.values().removeIf(recent -> {
            expire(recent, now);
            return recent.isEmpty();
        });
    }

    private void expire(Deque<Instant> recent, Instant now) {
        while (!recent.isEmpty() && !recent.peekFirst().isAfter(now.minus(window))) {
            recent.removeFirst();
        }
    }
}
