package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.filesystem.LiveMounts;
import dev.regatta.controlplane.grant.AccessLevel;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The mount sessions (table {@code mount_session}, read and written only here): admitted, renewed and ended by the
 * mount endpoint; listed for admins ({@link MountView}); and asked by file systems which clients may be using them
 * ({@link LiveMounts}).
 */
@Repository
public class MountSessionRepository implements LiveMounts {

    private static final RowMapper<MountSession> ROW = (rs, i) -> new MountSession(rs.getString("id"),
            rs.getString("file_system_id"), rs.getString("grant_id"), rs.getString("principal_arn"),
            AccessLevel.valueOf(rs.getString("access")), rs.getString("client_address"), rs.getString("node_id"),
            rs.getString("certificate_serial"), rs.getTimestamp("certificate_expires_at").toInstant(),
            rs.getTimestamp("created_at").toInstant(), rs.getInt("renewal_count"), instant(rs.getTimestamp(
                    "renewed_at")), instant(rs.getTimestamp("ended_at")), rs.getString("end_reason"));

    private final JdbcClient jdbc;

    MountSessionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<MountSession> find(String id) {
        return jdbc.sql("select * from mount_session where id = ?").param(id).query(ROW).optional();
    }

    void insert(MountSession session) {
        jdbc.sql("""
                        insert into mount_session (id, file_system_id, grant_id, principal_arn, access, client_address,
                                                   node_id, certificate_serial, certificate_expires_at, created_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .param(session.id()).param(session.fileSystemId()).param(session.grantId())
                .param(session.principalArn()).param(session.access().name()).param(session.clientAddress())
                .param(session.nodeId()).param(session.certificateSerial())
                .param(Timestamp.from(session.certificateExpiresAt())).param(Timestamp.from(session.createdAt()))
                .update();
    }

    /**
     * Puts a renewal's certificate on a session that has not ended. Like a new session's row (whose foreign key does
     * it), it first takes a key-share lock on the file system's row, so that a renewal cannot slip past a delete that
     * is checking for live mounts.
     *
     * @return the session's renewal count after this one, or empty when the session ended, or it or its file system
     * went, since it was read
     */
    Optional<Integer> renew(String id, String fileSystemId, String grantId, String clientAddress, String nodeId,
                            String certificateSerial, Instant certificateExpiresAt, Instant now) {
        boolean fileSystemThere = jdbc.sql("select id from file_system where id = ? for key share")
                .param(fileSystemId).query(String.class).optional().isPresent();
        if (!fileSystemThere) {
            return Optional.empty();
        }
        return jdbc.sql("""
                        update mount_session
                        set grant_id = ?, client_address = ?, node_id = ?, certificate_serial = ?,
                            certificate_expires_at = ?, renewal_count = renewal_count + 1, renewed_at = ?
                        where id = ? and file_system_id = ? and ended_at is null
                        returning renewal_count""")
                .param(grantId).param(clientAddress).param(nodeId).param(certificateSerial)
                .param(Timestamp.from(certificateExpiresAt)).param(Timestamp.from(now))
                .param(id).param(fileSystemId)
                .query(Integer.class).optional();
    }

    /**
     * Ends a session that has not ended yet.
     *
     * @return false when it had already ended (or is gone)
     */
    boolean end(String id, Instant now, String reason) {
        return jdbc.sql("update mount_session set ended_at = ?, end_reason = ? where id = ? and ended_at is null")
                .param(Timestamp.from(now)).param(reason).param(id)
                .update() == 1;
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
}
