package dev.regatta.controlplane.audit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/** The record of every mount decision (table {@code audit_event}), kept when the file system goes. */
@Repository
public class AuditLog {

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
