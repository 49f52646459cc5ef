package dev.regatta.dataplane.front;

import dev.regatta.dataplane.node.GrantBook;
import dev.regatta.dataplane.node.IdentityFiles;
import dev.regatta.tunnel.server.RefusalReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A node's TLS front over its lifetime: it needs the node certificate, which a new node only has once it has
 * registered, so it starts when the node agent first has an identity and reloads when a new registration replaces
 * it.
 */
public final class NodeTlsFront implements Consumer<IdentityFiles>, AutoCloseable {

    private final InetSocketAddress listen;
    private final InetSocketAddress nfs;
    private final GrantBook grants;
    private final Predicate<String> follows;
    private final TunnelledConnections connections;
    private TlsFront front;
    private boolean closed;

    /**
     * @param follows whether this node follows a file system's replication group now (another member serves it)
     * @param metrics gets {@code tls_front_refusals_total{reason}}: refused handshakes and admissions
     */
    public NodeTlsFront(InetSocketAddress listen, InetSocketAddress nfs, GrantBook grants, Predicate<String> follows,
                        TunnelledConnections connections, MeterRegistry metrics) {
        this.listen = listen;
        this.nfs = nfs;
        this.grants = grants;
        this.follows = follows;
        this.connections = connections;
        for (RefusalReason reason : RefusalReason.values()) {
            FunctionCounter.builder("tls_front_refusals_total", this, f -> f.refused(reason))
                    .tag("reason", reason.code())
                    .description("Connections the TLS front refused (the log names at most one a minute per source)")
                    .register(metrics);
        }
    }

    private synchronized double refused(RefusalReason reason) {
        return front == null ? 0 : front.refusals().getOrDefault(reason, 0L);
    }

    @Override
    public synchronized void accept(IdentityFiles identity) {
        if (closed) {
            return;
        }
        try {
            if (front == null) {
                front = TlsFront.start(listen, nfs, identity, grants, follows, connections, Clock.systemUTC());
            } else {
                front.reloadCredentials();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the node's key or certificates in " + identity + " are unusable: "
                    + e.getMessage(), e);
        }
    }

    /** Where the node calls a mount's lock services back ({@link TlsFront#callbackAddress}); empty before it starts. */
    public Optional<InetSocketAddress> callbackAddress(String mountId, int program, int version) {
        TlsFront started;
        synchronized (this) {
            started = front;
        }
        return started == null ? Optional.empty() : started.callbackAddress(mountId, program, version);
    }

    /** The TLS front's port, or -1 before the node has an identity. */
    public synchronized int port() {
        return front == null ? -1 : front.port();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (front != null) {
            front.close();
        }
    }
}
