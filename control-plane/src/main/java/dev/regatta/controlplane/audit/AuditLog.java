package dev.regatta.controlplane.audit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of every mount decision (table {@code audit_event}, read and written only here), kept when the file
 * system goes and for {@code regatta.audit.retention} (see {@link AuditRetention}). The 429s of a throttled source
 * are counted in one row per failure window instead of a row each, so that a flood cannot bury real decisions.
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
                .param(Timestamp.from(event.at())).param(event.fileSystemId()).param(event.principal())
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

    /**
     * Audit events, newest first; each filter is optional.
     *
     * @param principalPart matches events whose principal ARN contains it, so that a role's name finds the
     *                      sessions assumed from it
     * @param throttled     true: only the refusals of throttled sources (429); false: all but those; null: all
     * @param since         only events at or after it
     * @param before        only events before it, to page back past the newest {@code limit}
     */
    public List<AuditEvent> events(String fileSystemId, AuditEvent.Decision decision, String principalPart,
                                  Boolean throttled, Instant since, Instant before, int limit) {
        List<String> conditions = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (fileSystemId != null) {
            conditions.add("file_system_id = :fs");
            params.put("fs", fileSystemId);
        }
        if (decision != null) {
            conditions.add("decision = :decision");
            params.put("decision", decision.name());
        }
        if (principalPart != null) {
            conditions.add("strpos(principal_arn, :principal) > 0");
            params.put("principal", principalPart);
        }
        if (throttled != null) {
            conditions.add(throttled ? "status = 429" : "status is distinct from 429");
        }
        if (since != null) {
            conditions.add("at >= :since");
            params.put("since", Timestamp.from(since));
        }
        if (before != null) {
            conditions.add("at < :before");
            params.put("before", Timestamp.from(before));
        }
        params.put("limit", limit);
        String where = conditions.isEmpty() ? "" : "where " + String.join(" and ", conditions);
        return jdbc.sql("select * from audit_event " + where + " order by at desc, id desc limit :limit")
                .params(params)
                .query((rs, i) -> new AuditEvent(rs.getLong("id"), rs.getTimestamp("at").toInstant(),
                        rs.getString("file_system_id"), rs.getString("principal_arn"),
                        rs.getString("source_address"), AuditEvent.Decision.valueOf(rs.getString("decision")),
                        rs.getObject("status", Integer.class), rs.getString("reason"), rs.getInt("count"),
                        instant(rs.getTimestamp("last_at"))))
                .list();
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
