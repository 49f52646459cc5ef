package dev.regatta.controlplane.audit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The record of every mount decision (table {@code audit_event}), kept when the file system goes and for
 * {@code regatta.audit.retention} (see {@link AuditRetention}). The 429s of a throttled source are counted in one
 * row per failure window instead of a row each, so that a flood cannot bury real decisions.
 */
@Repository
public class AuditLog {

    /** Rows deleted per statement when pruning, so that no statement holds its locks for long. */
    private static final int PRUNE_BATCH = 10_000;

    private final JdbcClient jdbc;

    public AuditLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void record(AuditEvent event) {
        jdbc.sql("""
                        insert into audit_event (at, file_system_id, principal_arn, source_address, decision, status,
                                                 reason)
                        values (?, ?, ?, ?, ?, ?, ?)""")
                .param(Timestamp.from(event.at())).param(event.fileSystemId()).param(event.principalArn())
                .param(event.sourceAddress()).param(event.decision().name()).param(event.status())
                .param(event.reason())
                .update();
    }

    /**
     * A 429 refusal of a throttled source: counted in the row of the source's throttled refusals that began within
     * {@code window} before it, or a new such row when there is none. Two refusals racing may each start a row,
     * which only makes two rows.
     *
     * @return true when this refusal started a new row (the first of its window), false when it was counted
     */
    public boolean recordThrottled(AuditEvent event, Duration window) {
        int counted = jdbc.sql("""
                        update audit_event set count = count + 1, last_at = greatest(coalesce(last_at, at), ?)
                        where id = (select id from audit_event
                                    where source_address = ? and decision = 'REFUSED' and status = 429 and at > ?
                                    order by at desc limit 1)""")
                .param(Timestamp.from(event.at())).param(event.sourceAddress())
                .param(Timestamp.from(event.at().minus(window)))
                .update();
        if (counted == 0) {
            record(event);
            return true;
        }
        return false;
    }

    /** Deletes the events from before {@code cutoff}; returns how many. */
    public long pruneBefore(Instant cutoff) {
        long deleted = 0;
        int batch;
        do {
            batch = jdbc.sql("""
                            delete from audit_event
                            where id in (select id from audit_event where at < ? limit ?)""")
                    .param(Timestamp.from(cutoff)).param(PRUNE_BATCH).update();
            deleted += batch;
        } while (batch == PRUNE_BATCH);
        return deleted;
    }

    /**
     * When {@code source} was last refused for something it did wrong (a 4xx other than 429 Too Many Requests),
     * newest first, at most {@code limit} of them since {@code since}.
     */
    public List<Instant> callerErrorsFrom(String source, Instant since, int limit) {
        return jdbc.sql("""
                        select at from audit_event
                        where source_address = ? and decision = 'REFUSED' and at > ?
                          and status between 400 and 499 and status <> 429
                        order by at desc limit ?""")
                .param(source).param(Timestamp.from(since)).param(limit)
                .query((rs, i) -> rs.getTimestamp("at").toInstant()).list();
    }
}
