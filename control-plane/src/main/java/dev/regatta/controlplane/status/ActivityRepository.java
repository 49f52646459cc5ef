package dev.regatta.controlplane.status;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads what the mount endpoint writes: mount sessions and audit events. */
@Repository
public class ActivityRepository {

    private final JdbcClient jdbc;

    public ActivityRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Mounts of a file system whose certificate is still valid at {@code now}, newest first. */
    public List<ActiveMount> activeMounts(String fileSystemId, Instant now) {
        return jdbc.sql("""
                        select * from mount_session where file_system_id = ? and certificate_expires_at > ?
                        order by created_at desc, id""")
                .param(fileSystemId).param(Timestamp.from(now))
                .query((rs, i) -> new ActiveMount(rs.getString("id"), rs.getString("file_system_id"),
                        rs.getString("principal_arn"), rs.getString("access"), rs.getString("client_address"),
                        rs.getString("node_id"), rs.getTimestamp("certificate_expires_at").toInstant(),
                        rs.getTimestamp("created_at").toInstant()))
                .list();
    }

    /**
     * Audit events, newest first; each filter is optional.
     *
     * @param principalPart matches events whose principal ARN contains it, so that a role's name finds the
     *                      sessions assumed from it
     */
    public List<AuditEvent> auditEvents(String fileSystemId, AuditEvent.Decision decision, String principalPart,
                                        int limit) {
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
        params.put("limit", limit);
        String where = conditions.isEmpty() ? "" : "where " + String.join(" and ", conditions);
        return jdbc.sql("select * from audit_event " + where + " order by at desc, id desc limit :limit")
                .params(params)
                .query((rs, i) -> new AuditEvent(rs.getLong("id"), rs.getTimestamp("at").toInstant(),
                        rs.getString("file_system_id"), rs.getString("principal_arn"),
                        rs.getString("source_address"), AuditEvent.Decision.valueOf(rs.getString("decision")),
                        rs.getObject("status", Integer.class), rs.getString("reason")))
                .list();
    }
}
