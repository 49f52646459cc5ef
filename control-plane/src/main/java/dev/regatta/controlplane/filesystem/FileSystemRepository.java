package dev.regatta.controlplane.filesystem;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The file systems (table {@code file_system}), with the settings an admin chose; the nodes serving each are in
 * {@code file_system_member} ({@link ReplicationGroups}).
 */
@Repository
public class FileSystemRepository {

    static final RowMapper<FileSystem> ROW = (rs, i) -> new FileSystem(rs.getString("id"), rs.getString("name"),
            rs.getString("bucket"), rs.getString("region"), rs.getString("endpoint"), rs.getString("key_prefix"),
            rs.getLong("default_uid"), rs.getLong("default_gid"), rs.getInt("default_file_mode"),
            rs.getInt("default_dir_mode"), rs.getInt("flush_delay_seconds"), rs.getInt("cache_ttl_seconds"),
            rs.getInt("replicas"), rs.getTimestamp("created_at").toInstant(),
            rs.getTimestamp("updated_at").toInstant());

    private final JdbcClient jdbc;

    public FileSystemRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<FileSystem> find(String id) {
        return jdbc.sql("select * from file_system where id = ?").param(id).query(ROW).optional();
    }

    /**
     * Locks the file system's row until the transaction ends. A mount admitted meanwhile must wait: its
     * mount_session row references this one, so the check for active mounts cannot miss it.
     */
    Optional<FileSystem> lock(String id) {
        return jdbc.sql("select * from file_system where id = ? for update").param(id).query(ROW).optional();
    }

    /** All file systems, oldest first. */
    public List<FileSystem> list() {
        return jdbc.sql("select * from file_system order by created_at, id").query(ROW).list();
    }

    /** The file systems whose group a node is a member of (leading it or not), by ID. */
    public List<FileSystem> assignedTo(String nodeId) {
        return jdbc.sql("""
                        select f.* from file_system f join file_system_member m on m.file_system_id = f.id
                        where m.node_id = ? order by f.id""")
                .param(nodeId).query(ROW).list();
    }

    void insert(String id, FileSystemSettings s, int replicas, Instant now) {
        jdbc.sql("""
                        insert into file_system (id, name, bucket, region, endpoint, key_prefix, default_uid, default_gid,
                            default_file_mode, default_dir_mode, flush_delay_seconds, cache_ttl_seconds, replicas,
                            created_at, updated_at)
                        values (:id, :name, :bucket, :region, :endpoint, :keyPrefix, :uid, :gid, :fileMode, :dirMode,
                            :flush, :ttl, :replicas, :now, :now)""")
                .param("id", id).param("replicas", replicas).param("now", Timestamp.from(now))
                .params(settingsParameters(s))
                .update();
    }

    void update(String id, FileSystemSettings s, Instant now) {
        jdbc.sql("""
                        update file_system set name = :name, bucket = :bucket, region = :region, endpoint = :endpoint,
                            key_prefix = :keyPrefix, default_uid = :uid, default_gid = :gid,
                            default_file_mode = :fileMode, default_dir_mode = :dirMode, flush_delay_seconds = :flush,
                            cache_ttl_seconds = :ttl, updated_at = :now
                        where id = :id""")
                .param("id", id).param("now", Timestamp.from(now))
                .params(settingsParameters(s))
                .update();
    }

    /** Deletes the file system with its grants, group, status and mount sessions (the schema cascades). */
    boolean delete(String id) {
        return jdbc.sql("delete from file_system where id = ?").param(id).update() == 1;
    }

    private static Map<String, Object> settingsParameters(FileSystemSettings s) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", s.name());
        p.put("bucket", s.bucket());
        p.put("region", s.region());
        p.put("endpoint", s.endpoint());
        p.put("keyPrefix", s.keyPrefix());
        p.put("uid", s.defaultUid());
        p.put("gid", s.defaultGid());
        p.put("fileMode", s.defaultFileMode());
        p.put("dirMode", s.defaultDirMode());
        p.put("flush", s.flushDelaySeconds());
        p.put("ttl", s.cacheTtlSeconds());
        return p;
    }
}
