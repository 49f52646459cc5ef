package dev.regatta.controlplane.node;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The latest report per file system (file_system_status), and every report of the last {@link #KEPT} as its
 * history (file_system_sample), pruned as new reports arrive.
 */
@Repository
public class FileSystemReportRepository {

    private static final TypeReference<Map<String, Long>> COUNTS = new TypeReference<>() {
    };
    private static final TypeReference<List<FileSystemReport.FailingFile>> FAILING = new TypeReference<>() {
    };

    /** How long the history goes back. */
    public static final Duration KEPT = Duration.ofHours(24);

    private final JdbcClient jdbc;
    private final JsonMapper json;

    public FileSystemReportRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public Optional<FileSystemReport> latest(String fileSystemId) {
        return jdbc.sql("select * from file_system_status where file_system_id = ?").param(fileSystemId)
                .query((rs, i) -> report(rs, rs.getObject("failing_files", Integer.class), failing(rs)))
                .optional();
    }

    /**
     * The reports on a file system since {@code from}, oldest first, each with the one before it from the same node
     * (which may be older than {@code from}) so that rates can be computed for the first ones too.
     */
    public List<FileSystemReport> history(String fileSystemId, Instant from) {
        return jdbc.sql("""
                        select * from (
                            select * from file_system_sample where file_system_id = :fs and reported_at >= :from
                            union all
                            (select distinct on (node_id) * from file_system_sample
                             where file_system_id = :fs and reported_at < :from and reported_at >= :kept
                             order by node_id, reported_at desc)) samples
                        order by reported_at, id""")
                .param("fs", fileSystemId).param("from", Timestamp.from(from))
                .param("kept", Timestamp.from(from.minus(KEPT)))
                .query((rs, i) -> report(rs, null, List.of()))
                .list();
    }

    private List<FileSystemReport.FailingFile> failing(ResultSet rs) throws SQLException {
        String failing = rs.getString("failing");
        return failing == null ? List.of() : json.readValue(failing, FAILING);
    }

    /** @param failingFiles and {@code failing}: kept with the latest report only, not in the history */
    private FileSystemReport report(ResultSet rs, Integer failingFiles, List<FileSystemReport.FailingFile> failing)
            throws SQLException {
        return new FileSystemReport(rs.getString("file_system_id"), rs.getString("node_id"),
                rs.getTimestamp("reported_at").toInstant(), rs.getLong("cache_bytes"), rs.getLong("dirty_bytes"),
                rs.getLong("oldest_unsynced_seconds"), rs.getDouble("cache_hit_ratio"), rs.getInt("connected_clients"),
                json.readValue(rs.getString("s3_requests"), COUNTS), rs.getObject("nfs_operations", Long.class),
                failingFiles, failing);
    }

    /**
     * Keeps the report as the file system's latest and in its history. The caller has checked that the node is the
     * one whose figures count (the group's leader, or its only member): a lagging node, or a follower, must not
     * overwrite what the leader says.
     */
    void save(FileSystemReport r) {
        String requests = json.writeValueAsString(r.s3Requests() == null ? Map.of() : r.s3Requests());
        String failing = r.failingFiles() == null ? null : json.writeValueAsString(r.failing());
        jdbc.sql("""
                        insert into file_system_status (file_system_id, node_id, reported_at, cache_bytes, dirty_bytes,
                            oldest_unsynced_seconds, cache_hit_ratio, connected_clients, s3_requests, nfs_operations,
                            failing_files, failing)
                        values (:fs, :node, :at, :cache, :dirty, :oldest, :ratio, :clients, :requests, :nfs,
                            :failingFiles, :failing)
                        on conflict (file_system_id) do update set node_id = excluded.node_id,
                            reported_at = excluded.reported_at, cache_bytes = excluded.cache_bytes,
                            dirty_bytes = excluded.dirty_bytes, oldest_unsynced_seconds = excluded.oldest_unsynced_seconds,
                            cache_hit_ratio = excluded.cache_hit_ratio, connected_clients = excluded.connected_clients,
                            s3_requests = excluded.s3_requests, nfs_operations = excluded.nfs_operations,
                            failing_files = excluded.failing_files, failing = excluded.failing""")
                .param("fs", r.fileSystemId()).param("node", r.nodeId()).param("at", Timestamp.from(r.reportedAt()))
                .param("cache", r.cacheBytes()).param("dirty", r.dirtyBytes()).param("oldest", r.oldestUnsyncedSeconds())
                .param("ratio", r.cacheHitRatio()).param("clients", r.connectedClients())
                .param("requests", requests).param("nfs", r.nfsOperations(), Types.BIGINT)
                .param("failingFiles", r.failingFiles(), Types.INTEGER).param("failing", failing, Types.VARCHAR)
                .update();
        jdbc.sql("""
                        insert into file_system_sample (file_system_id, node_id, reported_at, cache_bytes,
                            dirty_bytes, oldest_unsynced_seconds, cache_hit_ratio, connected_clients, s3_requests,
                            nfs_operations)
                        values (:fs, :node, :at, :cache, :dirty, :oldest, :ratio, :clients, :requests, :nfs)""")
                .param("fs", r.fileSystemId()).param("node", r.nodeId())
                .param("at", Timestamp.from(r.reportedAt())).param("cache", r.cacheBytes())
                .param("dirty", r.dirtyBytes()).param("oldest", r.oldestUnsyncedSeconds())
                .param("ratio", r.cacheHitRatio()).param("clients", r.connectedClients())
                .param("requests", requests).param("nfs", r.nfsOperations(), Types.BIGINT)
                .update();
        jdbc.sql("delete from file_system_sample where file_system_id = ? and reported_at < ?")
                .param(r.fileSystemId()).param(Timestamp.from(r.reportedAt().minus(KEPT))).update();
    }
}
