package dev.regatta.controlplane.filesystem;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.util.Optional;

@Repository
public class FileSystemRepository {

    static final RowMapper<FileSystem> ROW = (rs, i) -> new FileSystem(rs.getString("id"), rs.getString("name"),
            rs.getString("bucket"), rs.getString("region"), rs.getString("endpoint"), rs.getString("key_prefix"),
            rs.getLong("default_uid"), rs.getLong("default_gid"), rs.getInt("default_file_mode"),
            rs.getInt("default_dir_mode"), rs.getInt("flush_delay_seconds"), rs.getInt("cache_ttl_seconds"),
            rs.getString("node_id"), rs.getTimestamp("created_at").toInstant(),
            rs.getTimestamp("updated_at").toInstant());

    private final JdbcClient jdbc;

    public FileSystemRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<FileSystem> find(String id) {
        return jdbc.sql("select * from file_system where id = ?").param(id).query(ROW).optional();
    }
}
