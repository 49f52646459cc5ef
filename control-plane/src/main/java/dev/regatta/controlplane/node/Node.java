package dev.regatta.controlplane.node;

import java.time.Instant;

/** A data-plane node; {@code address} is where clients' tunnels connect (its TLS front). */
record Node(String id, String name, String address, NodeFacts facts, Instant registeredAt, Instant lastHeartbeatAt) {
}
