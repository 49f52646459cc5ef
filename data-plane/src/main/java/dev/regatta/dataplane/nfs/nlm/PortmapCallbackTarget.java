package dev.regatta.dataplane.nfs.nlm;

import dev.regatta.dataplane.nfs.rpc.RpcCalls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a client's RPC service the way NLM servers do: asks the portmapper (v2 GETPORT, over TCP) at the address
 * the client's call came from. Answers are remembered for a few minutes and forgotten when a call to them fails.
 * A client whose calls were relayed by the TLS front is not at that address, and is refused here: it needs a
 * target that routes through the tunnel.
 */
public final class PortmapCallbackTarget implements CallbackTarget {

    /** The portmapper's well-known port. */
    public static final int PORTMAP_PORT = 111;
    private static final long REMEMBER_NANOS = Duration.ofMinutes(5).toNanos();

    private record Key(InetAddress address, int program, int version) {
    }

    private record Found(InetSocketAddress address, long atNanos) {
    }

    private final int portmapPort;
    private final Map<Key, Found> found = new ConcurrentHashMap<>();

    public PortmapCallbackTarget() {
        this(PORTMAP_PORT);
    }

    /** @param portmapPort where the clients' portmappers listen (111; another port for tests) */
    public PortmapCallbackTarget(int portmapPort) {
        this.portmapPort = portmapPort;
    }

    @Override
    public InetSocketAddress locate(NlmPeer peer, int program, int version, Duration timeout) throws IOException {
        if (peer.relayed()) {
            throw new IOException(peer + " is behind the TLS front and cannot be called back at its address");
        }
        InetAddress address = peer.remote().getAddress();
        if (address == null) {
            throw new IOException("no address for " + peer);
        }
        Key key = new Key(address, program, version);
        Found known = found.get(key);
        if (known != null && System.nanoTime() - known.atNanos() < REMEMBER_NANOS) {
            return known.address();
        }
        int port = RpcCalls.call(new InetSocketAddress(address, portmapPort), NlmXdr.PORTMAP_PROGRAM,
                NlmXdr.PORTMAP_V2, NlmXdr.PMAPPROC_GETPORT,
                out -> NlmXdr.mapping(out, program, version, NlmXdr.IPPROTO_TCP), in -> in.xdrDecodeInt(), timeout);
        if (port <= 0 || port > 65535) {
            throw new IOException("the portmapper at " + address.getHostAddress() + " knows no program " + program
                    + " v" + version + " over TCP");
        }
        InetSocketAddress at = new InetSocketAddress(address, port);
        found.put(key, new Found(at, System.nanoTime()));
        return at;
    }

    @Override
    public void failed(NlmPeer peer, int program, int version) {
        InetAddress address = peer.remote().getAddress();
        if (address != null) {
            found.remove(new Key(address, program, version));
        }
    }
}
