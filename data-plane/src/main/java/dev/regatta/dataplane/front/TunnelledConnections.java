package dev.regatta.dataplane.front;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identities of the connections the TLS front opened to the NFS port, by the local address of the front's end:
 * that is the remote address the NFS layer sees on such a connection. The front registers a connection before it
 * forwards the first byte, and forgets it when it closes, so that an address reused later is never mistaken for it.
 */
public final class TunnelledConnections {

    private final Map<InetSocketAddress, MountIdentity> byFrontAddress = new ConcurrentHashMap<>();

    public void opened(InetSocketAddress frontAddress, MountIdentity identity) {
        byFrontAddress.put(frontAddress, identity);
    }

    public void closed(InetSocketAddress frontAddress) {
        byFrontAddress.remove(frontAddress);
    }

    /** The identity of the connection whose remote address the NFS layer sees as {@code remote}. */
    public Optional<MountIdentity> identityOf(InetSocketAddress remote) {
        return Optional.ofNullable(byFrontAddress.get(remote));
    }

    public int size() {
        return byFrontAddress.size();
    }
}
