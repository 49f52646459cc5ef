package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The data plane's decision on a verified mount, such as "is its grant still among this node's grants?". Asked once
 * per connection, after the TLS handshake and before the backend connection is opened. Runs on a network thread:
 * it must answer from memory, without blocking.
 */
@FunctionalInterface
public interface Admission {

    /** Why the connection is refused, or empty to admit it. */
    Optional<String> refusal(ClientIdentity identity, InetSocketAddress remote);

    /** Admits every mount whose certificate verifies (the standalone CLI server, tests). */
    static Admission admitAll() {
        return (identity, remote) -> Optional.empty();
    }
}
