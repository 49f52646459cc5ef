package dev.regatta.dataplane.nfs;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dcache.oncrpc4j.rpc.RpcCall;

/**
 * Which clients use which export: a client is a remote IP address, and it counts as connected to an export while
 * it has made an NFS or MOUNT call on it within the window given at construction. NFSv3 has no sessions, so
 * recent use is the closest thing to "connected" that the server can see. Clients that share an address (several
 * mounts of one machine, or every tunnel behind one TLS front) count once.
 */
public final class ClientActivity {

    /** Linux drops an idle NFS connection after 5 minutes; a client quiet for longer has most likely gone. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final Duration window;
    private final Map<Integer, Map<String, Long>> lastCallNanos = new ConcurrentHashMap<>();

    public ClientActivity(Duration window) {
        this.window = window;
    }

    void record(int exportIndex, RpcCall call) {
        String client = clientAddress(call);
        lastCallNanos.computeIfAbsent(exportIndex, i -> new ConcurrentHashMap<>()).put(client, System.nanoTime());
    }

    /** Distinct clients that called on the export within the window; older ones are forgotten. */
    public int recentClients(int exportIndex) {
        Map<String, Long> clients = lastCallNanos.get(exportIndex);
        if (clients == null) {
            return 0;
        }
        long oldest = System.nanoTime() - window.toNanos();
        clients.values().removeIf(seen -> seen - oldest < 0);
        return clients.size();
    }

    /** Drops what is known about an export that is no longer served. */
    public void forget(int exportIndex) {
        lastCallNanos.remove(exportIndex);
    }

    static String clientAddress(RpcCall call) {
        try {
            InetSocketAddress a = call.getTransport().getRemoteSocketAddress();
            return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
