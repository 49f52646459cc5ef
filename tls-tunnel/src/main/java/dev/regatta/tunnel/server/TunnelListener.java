package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;

import java.net.InetSocketAddress;

/**
 * What the data plane hears of tunnel connections. Methods run on a network thread and must not block.
 */
public interface TunnelListener {

    /**
     * An admitted connection's backend connection is open and nothing has been forwarded yet: the backend (the NFS
     * server) will see a connection from {@code backendLocalAddress}, which identifies this mount until
     * {@link #closed}. If this throws, the connection is closed instead.
     */
    default void opened(ClientIdentity identity, InetSocketAddress backendLocalAddress, InetSocketAddress remote) {
    }

    /** Both the client's and the backend connection of an {@link #opened} connection are closed. */
    default void closed(ClientIdentity identity, InetSocketAddress backendLocalAddress, InetSocketAddress remote) {
    }

    /**
     * A connection was refused (its certificate, its content, or the admission) and closed; every refusal is
     * reported here, while the log has at most a line per source address per minute.
     */
    default void refused(InetSocketAddress remote, String reason) {
    }
}
