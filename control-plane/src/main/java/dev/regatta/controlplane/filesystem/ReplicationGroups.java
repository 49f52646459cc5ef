package dev.regatta.controlplane.filesystem;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file systems' groups as they are now (table {@code file_system_member}, with what each member's node says of
 * itself in {@code node}), and each member's latest report. Where groups go is {@link FileSystemAssignments}'s.
 */
@Repository
public class ReplicationGroups {

    private final JdbcClient jdbc;
    private final FileSystemAssignments assignments;

    public ReplicationGroups(JdbcClient jdbc, FileSystemAssignments assignments) {
        this.jdbc = jdbc;
        this.assignments = assignments;
    }

    public ReplicationGroup of(FileSystem fileSystem, Instant now) {
        return of(List.of(fileSystem), now).get(fileSystem.id());
    }

    /** @return by file system ID, in the order given */
    public Map<String, ReplicationGroup> of(List<FileSystem> fileSystems, Instant now) {
        Map<String, ReplicationGroup> groups = new LinkedHashMap<>();
        if (fileSystems.isEmpty()) {
            return groups;
        }
        Timestamp liveSince = Timestamp.from(assignments.liveSince(now));
        Map<String, List<Member>> members = new HashMap<>();
        jdbc.sql("""
                        select m.file_system_id, m.node_id, m.position, m.added_at, m.role, m.term, m.applied_index,
                            m.reported_at,
                            n.name, n.zone, n.address, n.nfs_address, n.replication_address, n.last_heartbeat_at,
                            n.last_heartbeat_at >= :liveSince as live
                        from file_system_member m join node n on n.id = m.node_id
                        where m.file_system_id in (:ids)
                        order by m.file_system_id, m.position""")
                .param("liveSince", liveSince).param("ids", fileSystems.stream().map(FileSystem::id).toList())
                .query(rs -> {
                    Timestamp reportedAt = rs.getTimestamp("reported_at");
                    members.computeIfAbsent(rs.getString("file_system_id"), id -> new ArrayList<>()).add(new Member(
                            rs.getString("node_id"), rs.getString("name"), rs.getString("zone"),
                            rs.getString("address"), rs.getString("nfs_address"), rs.getString("replication_address"),
                            rs.getInt("position"), rs.getTimestamp("added_at").toInstant(), rs.getBoolean("live"),
                            rs.getTimestamp("last_heartbeat_at").toInstant(),
                            MemberRole.fromCode(rs.getString("role")), rs.getObject("term", Long.class),
                            rs.getObject("applied_index", Long.class),
                            reportedAt == null ? null : reportedAt.toInstant()));
                });
        int[] live = jdbc.sql("""
                        select count(*) as live, count(replication_address) as replicating from node
                        where last_heartbeat_at >= ?""")
                .param(liveSince).query((rs, i) -> new int[]{rs.getInt("live"), rs.getInt("replicating")}).single();
        for (FileSystem fs : fileSystems) {
            groups.put(fs.id(), new ReplicationGroup(fs.id(), fs.replicas(),
                    members.getOrDefault(fs.id(), List.of()), live[0], live[1]));
        }
        return groups;
    }

    /**
     * Keeps what a node says of its part in a file system's group, if it is a member (a node still reporting on a
     * group it was replaced in is ignored).
     *
     * @return whether the node is a member
     */
    public boolean recordReport(String fileSystemId, String nodeId, MemberRole role, Long term, Long appliedIndex,
                                Instant at) {
        return jdbc.sql("""
                        update file_system_member set role = :role, term = :term, applied_index = :applied,
                            reported_at = :at
                        where file_system_id = :fs and node_id = :node""")
                .param("role", role.stored(), Types.VARCHAR).param("term", term, Types.BIGINT)
                .param("applied", appliedIndex, Types.BIGINT).param("at", Timestamp.from(at))
                .param("fs", fileSystemId).param("node", nodeId)
                .update() == 1;
    }
}
