package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.relay.Relay;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** The admitted connections of a server, for listing and for closing those of a revoked grant. */
final class OpenConnections {

    private final Map<TunnelConnection, Relay> relays = new ConcurrentHashMap<>();

    void add(TunnelConnection connection, Relay relay) {
        relays.put(connection, relay);
    }

    void remove(TunnelConnection connection) {
        relays.remove(connection);
    }

    List<TunnelConnection> list() {
        return List.copyOf(relays.keySet());
    }

    int closeWhere(Predicate<ClientIdentity> which, String reason) {
        int closed = 0;
        for (Map.Entry<TunnelConnection, Relay> entry : relays.entrySet()) {
            if (which.test(entry.getKey().identity())) {
                entry.getValue().close(reason);
                closed++;
            }
        }
        return closed;
    }
}
