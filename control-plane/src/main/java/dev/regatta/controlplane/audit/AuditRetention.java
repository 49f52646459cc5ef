package dev.regatta.controlplane.audit;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the audit log from growing without end: events older than {@code regatta.audit.retention} (90 days by
 * default) are deleted at start and every hour after. Control planes over one database may each prune; deleting
 * what another already deleted is harmless.
 */
@Component
public class AuditRetention {

    private static final Logger LOG = LoggerFactory.getLogger(AuditRetention.class);

    private final AuditLog audit;
    private final Duration retention;

    AuditRetention(AuditLog audit, ControlPlaneProperties properties) {
        this.audit = audit;
        this.retention = properties.audit().retention();
    }

    @Scheduled(initialDelay = 0, fixedDelay = 1, timeUnit = TimeUnit.HOURS)
    void pruneHourly() {
        prune(Instant.now());
    }

    /** Deletes the events older than the retention at {@code now}; returns how many. */
    public long prune(Instant now) {
        Instant cutoff = now.minus(retention);
        long deleted = audit.pruneBefore(cutoff);
        if (deleted > 0) {
            LOG.info("deleted {} audit events from before {} (regatta.audit.retention={})", deleted, cutoff,
                    retention);
        }
        return deleted;
    }
}
