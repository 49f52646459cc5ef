package dev.regatta.controlplane.token;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The admin API tokens (table {@code api_token}): by the SHA-256 of their secret, which is never stored. */
@Repository
class ApiTokenRepository {

    private static final RowMapper<ApiToken> ROW = (rs, i) -> new ApiToken(rs.getString("id"), rs.getString("name"),
            rs.getTimestamp("created_at").toInstant(), instant(rs.getTimestamp("last_used_at")),
            instant(rs.getTimestamp("revoked_at")));

    private final JdbcClient jdbc;

    ApiTokenRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<ApiToken> list() {
        return jdbc.sql("select * from api_token order by created_at, id").query(ROW).list();
    }

    Optional<ApiToken> findByHash(byte[] hash) {
        return jdbc.sql("select * from api_token where token_hash = ?").param(hash).query(ROW).optional();
    }

    void insert(String id, String name, byte[] hash, Instant now) {
        jdbc.sql("insert into api_token (id, name, token_hash, created_at) values (?, ?, ?, ?)")
                .params(id, name, hash, Timestamp.from(now)).update();
    }

    /** @return whether it was inserted (false: a token with this hash exists already) */
    boolean insertIfAbsent(String id, String name, byte[] hash, Instant now) {
        return jdbc.sql("""
                        insert into api_token (id, name, token_hash, created_at) values (?, ?, ?, ?)
                        on conflict (token_hash) do nothing""")
                .params(id, name, hash, Timestamp.from(now)).update() == 1;
    }

    void markUsed(String id, Instant at) {
        jdbc.sql("update api_token set last_used_at = ? where id = ?").params(Timestamp.from(at), id).update();
    }

    /** Revokes a token; revoking it again keeps the first time. @return whether the token exists */
    boolean revoke(String id, Instant at) {
        return jdbc.sql("update api_token set revoked_at = coalesce(revoked_at, ?) where id = ?")
                .params(Timestamp.from(at), id).update() == 1;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
