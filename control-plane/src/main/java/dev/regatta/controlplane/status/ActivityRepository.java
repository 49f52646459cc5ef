package dev.regatta.controlplane.status;

import dev.regatta.controlplane.filesystem.LiveMounts;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the mount endpoint writes: mount sessions and audit events. It also tells file systems which clients
 * may be using them ({@link LiveMounts}).
 */
@Repository
public class ActivityRepository implements LiveMounts {

    private final JdbcClient jdbc;

    public ActivityRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Live mount sessions of a file system (not ended, certificate still valid at {@code now}), newest first: the
     * clients that may be using it.
     */
    public List<MountView> activeMounts(String fileSystemId, Instant now) {
        return mounts(fileSystemId, MountView.Filter.LIVE, Integer.MAX_VALUE, now);
    }

    @Override
    public List<Instant> certificateExpiries(String fileSystemId, Instant now) {
        return activeMounts(fileSystemId, now).stream().map(MountView::certificateExpiresAt).toList();
    }

    /** A file system's mount sessions in the state the filter asks for, newest first, at most {@code limit}. */
    public List<MountView> mounts(String fileSystemId, MountView.Filter filter, int limit, Instant now) {
        String condition = switch (filter) {
            case LIVE -> "and ended_at is null and certificate_expires_at > :now";
            case ENDED -> "and ended_at is not null";
            case EXPIRED -> "and ended_at is null and certificate_expires_at <= :now";
            case ALL -> "";
        };
        return jdbc.sql("select * from mount_session where file_system_id = :fs " + condition
                        + " order by created_at desc, id limit :limit")
                .param("fs", fileSystemId).param("now", Timestamp.from(now)).param("limit", limit)
                .query((rs, i) -> {
                    Instant endedAt = instant(rs.getTimestamp("ended_at"));
                    Instant expiresAt = rs.getTimestamp("certificate_expires_at").toInstant();
                    return new MountView(rs.getString("id"), rs.getString("file_system_id"),
                            rs.getString("principal_arn"), rs.getString("access"), rs.getString("client_address"),
                            rs.getString("node_id"), MountView.State.of(endedAt, expiresAt, now), expiresAt,
                            rs.getTimestamp("created_at").toInstant(), rs.getInt("renewal_count"),
                            instant(rs.getTimestamp("renewed_at")), endedAt, rs.getString("end_reason"));
                })
                .list();
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
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
    public List<AuditEvent> auditEvents(String fileSystemId, AuditEvent.Decision decision, String principalPart,
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
}
