package dev.regatta.controlplane.node;

import java.time.Instant;

/**
 * A node as admins see it.
 *
 * @param address            host:port of its TLS front, where clients' tunnels connect
 * @param zone               its failure domain, or null when it reported none
 * @param nfsAddress         host:port of its plain NFS port, or null when it reported none
 * @param replicationAddress host:port of its replication server, or null when it reported none (then it serves only
 *                           file systems of one replica)
 * @param live               whether it heartbeated within {@code regatta.nodes.dead-after}
 * @param fileSystemCount    how many file systems' groups it is a member of, leading or following
 */
public record NodeView(String id, String name, String address, String zone, String nfsAddress,
                       String replicationAddress, Instant registeredAt, Instant lastHeartbeatAt, boolean live,
                       int fileSystemCount) {
}
