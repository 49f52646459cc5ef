package dev.regatta.controlplane.mount.sts;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;

/** The proofs that have admitted or been tried for a mount, until they expire: each proof is good once. */
@Repository
public class UsedProofs {

    private final JdbcClient jdbc;

    UsedProofs(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Marks the proof used.
     *
     * @param usableUntil when STS and this service would refuse it anyway; the mark is kept until then
     * @return false when it had already been used
     */
    public boolean claim(byte[] fingerprint, Instant usableUntil, Instant now) {
        jdbc.sql("delete from used_sts_proof where expires_at < ?").param(Timestamp.from(now)).update();
        return jdbc.sql("insert into used_sts_proof (fingerprint, expires_at) values (?, ?) on conflict do nothing")
                .params(fingerprint, Timestamp.from(usableUntil))
                .update() == 1;
    }

    public void release(byte[] fingerprint) {
        jdbc.sql("delete from used_sts_proof where fingerprint = ?").param(fingerprint).update();
    }
}
