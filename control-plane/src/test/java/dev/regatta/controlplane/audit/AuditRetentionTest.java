package dev.regatta.controlplane.audit;

import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AuditRetentionTest extends ApiTestBase {

    @Autowired
    AuditRetention retention;

    @Test
    void auditEventsAreKeptNinetyDaysByDefault() {
        assertThat(properties.audit().retention()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void eventsOlderThanTheRetentionArePruned() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        long old = insert(now.minus(Duration.ofDays(91)));
        long justOld = insert(now.minus(Duration.ofDays(90)).minusSeconds(1));
        long kept = insert(now.minus(Duration.ofDays(89)));

        assertThat(retention.prune(now)).isGreaterThanOrEqualTo(2);

        assertThat(jdbc.sql("select id from audit_event where id in (?, ?, ?)").params(old, justOld, kept)
                .query(Long.class).list()).containsExactly(kept);
    }

    private long insert(Instant at) {
        return jdbc.sql("""
                        insert into audit_event (at, source_address, decision, status, reason)
                        values (?, '10.9.8.5', 'REFUSED', 400, 'old') returning id""")
                .param(Timestamp.from(at)).query(Long.class).single();
    }
}
