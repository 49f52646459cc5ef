package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * An open, admitted tunnel connection.
 *
 * @param backendLocalAddress the address the backend sees this connection come from
 */
public record TunnelConnection(ClientIdentity identity, InetSocketAddress remote,
                               InetSocketAddress backendLocalAddress, Instant openedAt) {
}
