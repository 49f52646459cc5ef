package dev.regatta.dataplane.node;

/**
 * What the control plane learns of this node at registration and with every heartbeat (a restarted node may have
 * new ports), to place file systems' replication groups and route mounts.
 *
 * @param address            host:port of the TLS front, which clients' tunnels connect to
 * @param nfsAddress         host:port of the plain NFS port (for the operator's tools and the status API)
 * @param replicationAddress host:port of the node's replication server; null: the node replicates nothing, and the
 *                           control plane places no group on it
 * @param zone               the failure domain (e.g. an availability zone) no two members of a group should share;
 *                           null: unknown
 */
public record NodeFacts(String address, String nfsAddress, String replicationAddress, String zone) {
}
