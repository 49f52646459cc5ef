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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Places file systems' groups on data-plane nodes (table {@code file_system_member}). All clients of a file system
 * go through its one leading node (that is what makes it consistent); the other members of a group of 3 or 5 keep a
 * replica of its log and take over when the leader dies, so they must not die together: a group is spread over as
 * many zones as the live nodes offer, then over the nodes with the fewest memberships, then the oldest.
 * <ul>
 * <li>One replica: the file system goes to the live node with the fewest memberships, and moves when that node is
 * silent for {@code regatta.nodes.dead-after} (as before replication).</li>
 * <li>3 or 5: placed once that many live nodes with a replication address exist, never before (a group started on
 * fewer nodes would be another group). A member silent for {@code regatta.replication.replace-after} is replaced by
 * a live node outside the group, at its position, so that the others keep theirs; a place left empty by a deleted
 * node is filled the same way at once. Without such a node the member stays.</li>
 * </ul>
 */
@Component
public class FileSystemAssignments {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemAssignments.class);
    /** Serialises placements, so that two heartbeats never hand one place in a group to two nodes in turn. */
    private static final long REASSIGNMENT_LOCK = 0x7265_6761_7474_61L;
    /** The fewest memberships first, then the oldest node. */
    private static final Comparator<Candidate> LEAST_LOADED = Comparator.comparingInt((Candidate c) -> c.load)
            .thenComparing(c -> c.registeredAt).thenComparing(c -> c.id);

    private final JdbcClient jdbc;
    private final Duration deadAfter;
    private final Duration replaceAfter;

    public FileSystemAssignments(JdbcClient jdbc, ControlPlaneProperties properties) {
        this.jdbc = jdbc;
        this.deadAfter = properties.nodes().deadAfter();
        this.replaceAfter = properties.replication().replaceAfter();
    }

    /** Nodes that heartbeated since this instant are live. */
    public Instant liveSince(Instant now) {
        return now.minus(deadAfter);
    }

    /**
     * Places every group that lacks members, or has one whose node has been silent too long (see the class
     * comment), on the live nodes as they are at {@code now}.
     */
    @Transactional
    public void place(Instant now) {
        jdbc.sql("select pg_advisory_xact_lock(?)").param(REASSIGNMENT_LOCK).query(rs -> {
        });
        List<Candidate> live = liveNodes(now);
        if (live.isEmpty()) {
            return;
        }
        List<Unplaced> work = jdbc.sql("""
                        select f.id, f.replicas from file_system f
                        where f.replicas > (select count(*) from file_system_member m where m.file_system_id = f.id)
                           or exists (select 1 from file_system_member m join node n on n.id = m.node_id
                                      where m.file_system_id = f.id and n.last_heartbeat_at <
                                          case when f.replicas = 1 then cast(:liveSince as timestamptz)
                                              else cast(:replaceSince as timestamptz) end)
                        order by f.created_at, f.id""")
                .param("liveSince", Timestamp.from(liveSince(now)))
                .param("replaceSince", Timestamp.from(now.minus(replaceAfter)))
                .query((rs, i) -> new Unplaced(rs.getString("id"), rs.getInt("replicas"))).list();
        for (Unplaced fs : work) {
            List<Seat> seats = seats(fs.id());
            if (fs.replicas() == 1) {
                placeAlone(fs, seats, live, now);
            } else {
                placeGroup(fs, seats, live.stream().filter(c -> c.replicating).toList(), now);
            }
        }
    }

    /** A file system of one replica: on the least loaded live node, whatever its zone or replication address. */
    private void placeAlone(Unplaced fs, List<Seat> seats, List<Candidate> live, Instant now) {
        Candidate target = choose(live, Set.of(), Set.of()).orElseThrow();
        target.load++;
        if (seats.isEmpty()) {
            jdbc.sql("insert into file_system_member (file_system_id, node_id, position, added_at) values (?, ?, 0, ?)")
                    .params(fs.id(), target.id, Timestamp.from(now)).update();
            LOG.info("file system {} assigned to node {}", fs.id(), target.id);
        } else {
            replace(fs.id(), seats.getFirst().position(), target, now);
            LOG.warn("file system {} moved from node {} (silent for over {} s) to node {}", fs.id(),
                    seats.getFirst().nodeId(), deadAfter.toSeconds(), target.id);
        }
    }

    /** A group of 3 or 5, on nodes with a replication address only. */
    private void placeGroup(Unplaced fs, List<Seat> seats, List<Candidate> eligible, Instant now) {
        if (seats.isEmpty()) {
            if (eligible.size() < fs.replicas()) {
                return; // the status and refused mounts say what it waits for
            }
            Set<String> zones = new HashSet<>();
            Set<String> chosen = new HashSet<>();
            List<Candidate> placed = new ArrayList<>();
            for (int position = 0; position < fs.replicas(); position++) {
                Candidate c = choose(eligible, zones, chosen).orElseThrow();
                jdbc.sql("""
                                insert into file_system_member (file_system_id, node_id, position, added_at)
                                values (?, ?, ?, ?)""")
                        .params(fs.id(), c.id, position, Timestamp.from(now)).update();
                c.load++;
                zones.add(c.zoneKey());
                chosen.add(c.id);
                placed.add(c);
            }
            LOG.info("file system {} placed on {} nodes in {} zones: {}", fs.id(), placed.size(), zones.size(),
                    placed.stream().map(Candidate::describe).collect(Collectors.joining(", ")));
            return;
        }
        Instant replaceSince = now.minus(replaceAfter);
        Map<Integer, Seat> byPosition = new HashMap<>();
        seats.forEach(seat -> byPosition.put(seat.position(), seat));
        for (int position = 0; position < fs.replicas(); position++) {
            Seat seat = byPosition.get(position);
            if (seat != null && !seat.lastHeartbeatAt().isBefore(replaceSince)) {
                continue;
            }
            int here = position;
            Set<String> inGroup = byPosition.values().stream().map(Seat::nodeId).collect(Collectors.toSet());
            Set<String> otherZones = byPosition.values().stream().filter(s -> s.position() != here)
                    .map(Seat::zoneKey).collect(Collectors.toSet());
            Optional<Candidate> replacement = choose(eligible, otherZones, inGroup);
            if (replacement.isEmpty()) {
                continue; // the member stays (or the place stays empty) until a node is free; the status says so
            }
            Candidate c = replacement.get();
            c.load++;
            if (seat == null) {
                jdbc.sql("""
                                insert into file_system_member (file_system_id, node_id, position, added_at)
                                values (?, ?, ?, ?)""")
                        .params(fs.id(), c.id, position, Timestamp.from(now)).update();
                LOG.info("file system {}: node {} joins its group at position {}, which its deleted node left empty",
                        fs.id(), c.describe(), position);
            } else {
                replace(fs.id(), position, c, now);
                LOG.warn("file system {}: node {} ('{}', {}), silent since {} (longer than "
                                + "regatta.replication.replace-after, {}), is replaced in its group at position {} by "
                                + "node {}", fs.id(), seat.nodeId(), seat.name(), zoneText(seat.zone()),
                        seat.lastHeartbeatAt(), replaceAfter, position, c.describe());
            }
            byPosition.put(position, new Seat(c.id, c.name, c.zone, position, now));
        }
    }

    /** Gives a member's position to another node, which starts without a report. */
    private void replace(String fileSystemId, int position, Candidate by, Instant now) {
        jdbc.sql("""
                        update file_system_member set node_id = ?, added_at = ?, role = null, term = null,
                            applied_index = null, reported_at = null
                        where file_system_id = ? and position = ?""")
                .params(by.id, Timestamp.from(now), fileSystemId, position).update();
    }

    /**
     * The least loaded candidate outside {@code excluded} in a zone not in {@code usedZones}; when every candidate's
     * zone is used, the least loaded of them (two members in one zone only when it cannot be avoided).
     */
    private static Optional<Candidate> choose(Collection<Candidate> candidates, Set<String> usedZones,
                                              Set<String> excluded) {
        List<Candidate> free = candidates.stream().filter(c -> !excluded.contains(c.id)).sorted(LEAST_LOADED)
                .toList();
        return free.stream().filter(c -> !usedZones.contains(c.zoneKey())).findFirst()
                .or(() -> free.stream().findFirst());
    }

    /** The live nodes with their memberships. */
    private List<Candidate> liveNodes(Instant now) {
        return jdbc.sql("""
                        select n.id, n.name, n.zone, n.replication_address is not null as replicating, n.registered_at,
                            (select count(*) from file_system_member m where m.node_id = n.id) as load
                        from node n where n.last_heartbeat_at >= ?""")
                .param(Timestamp.from(liveSince(now)))
                .query((rs, i) -> new Candidate(rs.getString("id"), rs.getString("name"), rs.getString("zone"),
                        rs.getBoolean("replicating"), rs.getTimestamp("registered_at").toInstant(), rs.getInt("load")))
                .list();
    }

    private List<Seat> seats(String fileSystemId) {
        return jdbc.sql("""
                        select m.node_id, n.name, n.zone, m.position, n.last_heartbeat_at
                        from file_system_member m join node n on n.id = m.node_id
                        where m.file_system_id = ? order by m.position""")
                .param(fileSystemId)
                .query((rs, i) -> new Seat(rs.getString("node_id"), rs.getString("name"), rs.getString("zone"),
                        rs.getInt("position"), rs.getTimestamp("last_heartbeat_at").toInstant()))
                .list();
    }

    private static String zoneText(String zone) {
        return zone == null ? "no zone" : "zone " + zone;
    }

    private record Unplaced(String id, int replicas) {
    }

    /** A member as placement sees it. */
    private record Seat(String nodeId, String name, String zone, int position, Instant lastHeartbeatAt) {

        String zoneKey() {
            return Member.zoneKey(nodeId, zone);
        }
    }

    /** A live node that may take a place; {@code load} counts the places it holds, this run's included. */
    private static final class Candidate {

        final String id;
        final String name;
        final String zone;
        final boolean replicating;
        final Instant registeredAt;
        int load;

        Candidate(String id, String name, String zone, boolean replicating, Instant registeredAt, int load) {
            this.id = id;
            this.name = name;
            this.zone = zone;
            this.replicating = replicating;
            this.registeredAt = registeredAt;
            this.load = load;
        }

        String zoneKey() {
            return Member.zoneKey(id, zone);
        }

        String describe() {
            return id + " ('" + name + "', " + zoneText(zone) + ")";
        }
    }
}
