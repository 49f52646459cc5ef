package dev.regatta.controlplane.security;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Limits password guessing: a source address with {@code regatta.admin.failed-logins-per-source} failed sign-ins
 * within {@code regatta.admin.failed-login-window} is refused until enough of them leave the window. The failures
 * are kept in PostgreSQL (table {@code sign_in_failure}), so that guesses spread over several control planes behind
 * a load balancer count together and a restart forgets nothing. Two guesses at the same moment on two instances may
 * each pass a count taken just before the other's failure, one guess more than the limit at most.
 */
@Component
class LoginThrottle {

    private final JdbcClient jdbc;
    private final int limit;
    private final Duration window;

    LoginThrottle(JdbcClient jdbc, ControlPlaneProperties properties) {
        this.jdbc = jdbc;
        this.limit = properties.admin().failedLoginsPerSource();
        this.window = properties.admin().failedLoginWindow();
    }

    /** How long the source must wait before its next attempt, if it is blocked now. */
    Optional<Duration> blockedFor(String source, Instant now) {
        List<Instant> recent = jdbc.sql("""
                        select failed_at from sign_in_failure where source = ? and failed_at > ?
                        order by failed_at desc limit ?""")
                .params(source, Timestamp.from(now.minus(window)), limit)
                .query((rs, i) -> rs.getTimestamp("failed_at").toInstant()).list();
        if (recent.size() < limit) {
            return Optional.empty();
        }
        // Below the limit again once the oldest of the last `limit` failures leaves the window.
        return Optional.of(Duration.between(now, recent.getLast().plus(window)));
    }

    /** Counts a failure against the source; failures that left the window (anyone's) go. */
    void recordFailure(String source, Instant now) {
        jdbc.sql("delete from sign_in_failure where failed_at <= ?").param(Timestamp.from(now.minus(window)))
                .update();
        jdbc.sql("insert into sign_in_failure (source, failed_at) values (?, ?)")
                .params(source, Timestamp.from(now)).update();
    }

    /** A successful sign-in forgives the source's earlier failures. */
    void reset(String source) {
        jdbc.sql("delete from sign_in_failure where source = ?").param(source).update();
    }
}
