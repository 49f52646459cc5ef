package dev.regatta.controlplane.status;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.sql.Timestamp;
import java.util.Map;
import java.util.Optional;

/** The latest report per file system (file_system_status); older reports are not kept. */
@Repository
public class FileSystemReportRepository {

    private static final TypeReference<Map<String, Long>> COUNTS = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final JsonMapper json;

    public FileSystemReportRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public Optional<FileSystemReport> latest(String fileSystemId) {
        return jdbc.sql("select * from file_system_status where file_system_id = ?").param(fileSystemId)
                .query((rs, i) -> new FileSystemReport(rs.getString("file_system_id"), rs.getString("node_id"),
                        rs.getTimestamp("reported_at").toInstant(), rs.getLong("cache_bytes"),
                        rs.getLong("dirty_bytes"), rs.getLong("oldest_unsynced_seconds"),
                        rs.getDouble("cache_hit_ratio"), rs.getInt("connected_clients"),
                        json.readValue(rs.getString("s3_requests"), COUNTS)))
                .optional();
    }

    /**
     * Keeps the report if the reporting node serves the file system; a node still reporting one that moved away
     * from it is ignored, so that a lagging node cannot overwrite what the new one says.
     *
     * @return whether the report was kept
     */
    public boolean saveIfServing(FileSystemReport r) {
        return jdbc.sql("""
                        insert into file_system_status (file_system_id, node_id, reported_at, cache_bytes, dirty_bytes,
                            oldest_unsynced_seconds, cache_hit_ratio, connected_clients, s3_requests)
                        select :fs, :node, :at, :cache, :dirty, :oldest, :ratio, :clients, :requests
                        where exists (select 1 from file_system where id = :fs and node_id = :node)
                        on conflict (file_system_id) do update set node_id = excluded.node_id,
                            reported_at = excluded.reported_at, cache_bytes = excluded.cache_bytes,
                            dirty_bytes = excluded.dirty_bytes, oldest_unsynced_seconds = excluded.oldest_unsynced_seconds,
                            cache_hit_ratio = excluded.cache_hit_ratio, connected_clients = excluded.connected_clients,
                            s3_requests = excluded.s3_requests""")
                .param("fs", r.fileSystemId()).param("node", r.nodeId()).param("at", Timestamp.from(r.reportedAt()))
                .param("cache", r.cacheBytes()).param("dirty", r.dirtyBytes()).param("oldest", r.oldestUnsyncedSeconds())
                .param("ratio", r.cacheHitRatio()).param("clients", r.connectedClients())
                .param("requests", json.writeValueAsString(r.s3Requests() == null ? Map.of() : r.s3Requests()))
                .update() == 1;
    }
}
