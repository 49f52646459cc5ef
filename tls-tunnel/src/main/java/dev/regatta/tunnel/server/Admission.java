package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The data plane's decision on a verified mount, such as "is its grant among this node's grants?". Asked once per
 * connection, after the TLS handshake and before the backend connection is opened. Called on a network thread, so
 * it must not block: it answers from memory, or later through the returned stage (say, once it has asked the
 * control plane about a grant it has not heard of yet). The connection reads nothing until it is answered.
 */
@FunctionalInterface
public interface Admission {

    /** Why the connection is refused, or empty to admit it; a stage that fails refuses it too. */
    CompletionStage<Optional<String>> refusal(ClientIdentity identity, InetSocketAddress remote);

    /** Admits every mount whose certificate verifies (the standalone CLI server, tests). */
    static Admission admitAll() {
        return (identity, remote) -> CompletableFuture.completedFuture(Optional.empty());
    }
}
