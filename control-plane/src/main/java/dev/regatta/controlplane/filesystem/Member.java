package dev.regatta.controlplane.filesystem;

import java.time.Instant;

/**
 * One node of a file system's replication group, with what the node says of itself and its latest report on the
 * file system.
 *
 * @param name               the node's name
 * @param zone               its failure domain, or null when it reported none
 * @param address            host:port of its TLS front, where clients' tunnels connect
 * @param nfsAddress         host:port of its plain NFS port, or null when it reported none
 * @param replicationAddress host:port of its replication server, or null when it reported none
 * @param position           its place in the group, 0 to replicas - 1; a replacement takes the place it replaces
 * @param addedAt            when it took its place: the group's placement, or later for a replacement
 * @param live               whether the node heartbeated within {@code regatta.nodes.dead-after}
 * @param lastHeartbeatAt    the node's last heartbeat (on any file system)
 * @param role               what it last reported to be in this group
 * @param term               the Raft term it last reported, or null
 * @param appliedIndex       the last replication-log index it reported applying, or null
 * @param reportedAt         when it last reported on this file system, or null before its first report
 */
public record Member(String nodeId, String name, String zone, String address, String nfsAddress,
                     String replicationAddress, int position, Instant addedAt, boolean live, Instant lastHeartbeatAt,
                     MemberRole role, Long term, Long appliedIndex, Instant reportedAt) {

    /** Its failure domain for placement: a node without a zone is a domain of its own. */
    String zoneKey() {
        return zoneKey(nodeId, zone);
    }

    static String zoneKey(String nodeId, String zone) {
        return zone == null ? "node:" + nodeId : "zone:" + zone;
    }
}
