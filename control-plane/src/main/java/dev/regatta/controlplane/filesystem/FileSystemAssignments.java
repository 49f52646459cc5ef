package dev.regatta.controlplane.filesystem;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which data-plane node serves each file system. All clients of a file system must go through one node (that is what
 * makes it consistent), so a file system has at most one node; it goes to the live node serving the fewest, and
 * moves when its node falls silent for {@code regatta.nodes.dead-after}.
 */
@Component
public class FileSystemAssignments {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemAssignments.class);
    /** Serialises reassignments, so that two heartbeats never hand one file system to two nodes in turn. */
    private static final long REASSIGNMENT_LOCK = 0x7265_6761_7474_61L;

    private final JdbcClient jdbc;
    private final Duration deadAfter;

    public FileSystemAssignments(JdbcClient jdbc, ControlPlaneProperties properties) {
        this.jdbc = jdbc;
        this.deadAfter = properties.nodes().deadAfter();
    }

    /** Nodes that heartbeated since this instant are live. */
    public Instant liveSince(Instant now) {
        return now.minus(deadAfter);
    }

    /** The live node serving the fewest file systems (the oldest among equals), if any node is live. */
    public Optional<String> leastLoadedLiveNode(Instant now) {
        return liveNodeLoads(now).entrySet().stream()
                .min(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey);
    }

    /**
     * Hands every file system without a live node (never assigned, its node deleted or silent) to the live nodes,
     * each to the one serving the fewest at that moment.
     *
     * @return how many file systems moved
     */
    @Transactional
    public int reassignOrphans(Instant now) {
        jdbc.sql("select pg_advisory_xact_lock(?)").param(REASSIGNMENT_LOCK).query(rs -> {
        });
        Map<String, Integer> loads = liveNodeLoads(now);
        if (loads.isEmpty()) {
            return 0;
        }
        List<Orphan> orphans = jdbc.sql("""
                        select f.id, f.node_id from file_system f left join node n on n.id = f.node_id
                        where n.id is null or n.last_heartbeat_at < ?
                        order by f.created_at, f.id""")
                .param(Timestamp.from(liveSince(now)))
                .query((rs, i) -> new Orphan(rs.getString("id"), rs.getString("node_id"))).list();
        for (Orphan orphan : orphans) {
            String target = loads.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            jdbc.sql("update file_system set node_id = ? where id = ?").param(target).param(orphan.id()).update();
            loads.merge(target, 1, Integer::sum);
            if (orphan.previousNodeId() == null) {
                LOG.info("file system {} assigned to node {}", orphan.id(), target);
            } else {
                LOG.warn("file system {} moved from node {} (silent for over {} s) to node {}", orphan.id(),
                        orphan.previousNodeId(), deadAfter.toSeconds(), target);
            }
        }
        return orphans.size();
    }

    /** Live nodes and how many file systems each serves, least loaded (then oldest) first. */
    private Map<String, Integer> liveNodeLoads(Instant now) {
        Map<String, Integer> loads = new LinkedHashMap<>();
        jdbc.sql("""
                        select n.id, count(f.id) as file_systems from node n left join file_system f on f.node_id = n.id
                        where n.last_heartbeat_at >= ?
                        group by n.id, n.registered_at
                        order by file_systems, n.registered_at, n.id""")
                .param(Timestamp.from(liveSince(now)))
                .query(rs -> {
                    loads.put(rs.getString("id"), rs.getInt("file_systems"));
                });
        return loads;
    }

    private record Orphan(String id, String previousNodeId) {
    }
}
