package dev.regatta.controlplane.node;

import java.time.Instant;

/**
 * A node as admins see it.
 *
 * @param live            whether it heartbeated within {@code regatta.nodes.dead-after}; a down node's file
 *                        systems move to a live one
 * @param fileSystemCount how many file systems it serves
 */
public record NodeView(String id, String name, String address, Instant registeredAt, Instant lastHeartbeatAt,
                       boolean live, int fileSystemCount) {
}
