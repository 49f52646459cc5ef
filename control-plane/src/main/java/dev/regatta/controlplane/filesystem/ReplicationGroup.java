package dev.regatta.controlplane.filesystem;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The nodes serving one file system, as read at one moment: who leads, where clients go, and in words how well it is
 * placed. One member leads (serves NFS and its TLS front) and the others follow, ready to take over; a file system
 * of one replica is a group of one.
 *
 * @param members              in position order; empty while the group is not placed
 * @param liveNodes            live nodes in the deployment when this was read (to say why a group is not placed)
 * @param liveReplicationNodes of those, the ones with a replication address (the only ones a group of 3 or 5 takes)
 */
public record ReplicationGroup(String fileSystemId, int replicas, List<Member> members, int liveNodes,
                               int liveReplicationNodes) {

    /** Latest term first, then the latest report: of two members claiming to lead, the other one is stale. */
    private static final Comparator<Member> MOST_RECENT_CLAIM = Comparator
            .comparing((Member m) -> m.term() == null ? -1L : m.term())
            .thenComparing(m -> m.reportedAt() == null ? Instant.MIN : m.reportedAt());

    public ReplicationGroup {
        members = List.copyOf(members);
    }

    /**
     * The member serving the file system: the live member whose latest report says it leads, with the highest term
     * (then the latest report) should two say so. In a group of one, its member when live, whatever it reports
     * (nodes from before replication report no role).
     */
    public Optional<Member> leader() {
        if (replicas == 1) {
            return members.stream().filter(Member::live).findFirst();
        }
        return members.stream().filter(Member::live).filter(m -> m.role() == MemberRole.LEADER)
                .max(MOST_RECENT_CLAIM);
    }

    /**
     * The members {@code nodeId} is told of in its heartbeat answer. A member that took its place after the group
     * was placed (it replaces a dead one, or is a node registered anew in its old place) is told to the others only
     * once it has reported on the file system, that is once its replication server has opened the group: the leader
     * would otherwise reach it while it opens the group, which Ratis does not survive when it offers a joining member
     * a snapshot. The joining member itself is told all of them, and so is every member of a group as placed (its
     * members start together).
     */
    public List<Member> membersToldTo(String nodeId) {
        Instant placedAt = members.stream().map(Member::addedAt).min(Comparator.naturalOrder()).orElse(Instant.MIN);
        return members.stream()
                .filter(m -> m.nodeId().equals(nodeId) || m.reportedAt() != null || !m.addedAt().isAfter(placedAt))
                .toList();
    }

    /**
     * Where clients go, best first: the leader, then the other live members in position order. Without a known
     * leader, the live members alone: a client's tunnel tries them and finds the leader itself. Empty when no
     * member is live.
     */
    public List<Member> routes() {
        List<Member> routes = new ArrayList<>();
        leader().ifPresent(routes::add);
        members.stream().filter(Member::live).filter(m -> !routes.contains(m)).forEach(routes::add);
        return routes;
    }

    /**
     * The member shown as serving the file system: where mounts go now or, when no member is live, the first one
     * (down); empty while the group is not placed.
     */
    public Optional<Member> servingNode() {
        return routes().stream().findFirst().or(() -> members.stream().findFirst());
    }

    /**
     * Whether a node's report on the file system is the one to keep as its status: the followers' caches are not
     * where clients' changes wait for S3, so only the leader's (or the only member's) figures say anything.
     */
    public boolean keepsReportOf(String nodeId) {
        return leader().map(Member::nodeId).filter(nodeId::equals).isPresent()
                || (members.size() == 1 && members.getFirst().nodeId().equals(nodeId));
    }

    /**
     * How far a member's applied log is behind the leader's: 0 for the leader; null when there is no leader or
     * either applied index is unknown. Never negative: a follower's report may be newer than the leader's.
     */
    public Long lag(Member member) {
        Optional<Member> leader = leader();
        if (leader.isEmpty()) {
            return null;
        }
        if (leader.get().nodeId().equals(member.nodeId())) {
            return 0L;
        }
        Long leading = leader.get().appliedIndex();
        return leading == null || member.appliedIndex() == null ? null
                : Math.max(0, leading - member.appliedIndex());
    }

    /**
     * One line on where the group stands: "placed on 3 nodes in 3 zones", or why it is not placed, or what it lacks
     * ("degraded: dp-2 is down").
     */
    public String placement() {
        if (members.isEmpty()) {
            return "unplaced: " + (replicas == 1 ? "no data-plane node is live; it is placed when one heartbeats"
                    : needs());
        }
        if (replicas == 1) {
            Member only = members.getFirst();
            return "placed on node " + only.name() + (only.live() ? ""
                    : ", which is down: it moves to the next live node that heartbeats");
        }
        long zones = members.stream().map(Member::zoneKey).distinct().count();
        StringBuilder text = new StringBuilder("placed on " + members.size()
                + (members.size() < replicas ? " of " + replicas : "") + " nodes in " + zones
                + (zones == 1 ? " zone" : " zones"));
        List<String> lacking = new ArrayList<>();
        int missing = replicas - members.size();
        if (missing > 0) {
            lacking.add(missing + (missing == 1 ? " member is" : " members are") + " missing until a live node with "
                    + "a replication address outside the group is free");
        }
        List<String> down = members.stream().filter(m -> !m.live()).map(Member::name).toList();
        if (!down.isEmpty()) {
            lacking.add(String.join(", ", down) + (down.size() == 1 ? " is" : " are") + " down");
        }
        if (!lacking.isEmpty()) {
            text.append("; degraded: ").append(String.join("; ", lacking));
        }
        if (down.size() < members.size() && leader().isEmpty()) {
            text.append("; no member reports leading yet");
        }
        return text.toString();
    }

    /** Why a mount cannot go anywhere now; only meaningful while {@link #routes()} is empty. */
    public String unavailable(Duration deadAfter) {
        String why;
        if (members.isEmpty()) {
            why = replicas == 1 ? " (no node heartbeated within " + deadAfter.toSeconds() + " s)" : ": " + needs();
        } else if (members.size() == 1) {
            why = " (its node " + members.getFirst().name() + " has not heartbeated within " + deadAfter.toSeconds()
                    + " s)";
        } else {
            why = " (none of its nodes " + members.stream().map(Member::name).collect(Collectors.joining(", "))
                    + " heartbeated within " + deadAfter.toSeconds() + " s)";
        }
        return "no live data-plane node serves " + fileSystemId + why + "; try again later";
    }

    /** What an unplaced group of 3 or 5 waits for. */
    private String needs() {
        String text = "file system " + fileSystemId + " needs " + replicas + " live nodes with a replication address, "
                + liveReplicationNodes + (liveReplicationNodes == 1 ? " is" : " are") + " live";
        int without = liveNodes - liveReplicationNodes;
        if (without > 0) {
            text += " (" + without + " more live " + (without == 1 ? "node reports" : "nodes report")
                    + " no replication address)";
        }
        return text;
    }
}
