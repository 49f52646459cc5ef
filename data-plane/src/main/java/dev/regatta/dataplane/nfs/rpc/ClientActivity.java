package dev.regatta.dataplane.nfs.rpc;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.dcache.oncrpc4j.rpc.RpcCall;

/**
 * Which clients use which export: a client is a remote IP address, and it counts as connected to an export while
 * it has made an NFS or MOUNT call on it within the window given at construction. NFSv3 has no sessions, so
 * recent use is the closest thing to "connected" that the server can see. Clients that share an address (several
 * mounts of one machine) count once. Connections relayed by the node's TLS front all come from loopback: the
 * origin function given at construction names the mount behind each of them instead (instances behind one NAT
 * share an address, and the mount's certificate is what tells them apart).
 * <p>
 * It also counts the calls made on each export (NFS, MOUNT and NLM, one per call), for the heartbeat's
 * {@code nfsOperations}.
 */
public final class ClientActivity {

    /** Linux drops an idle NFS connection after 5 minutes; a client quiet for longer has most likely gone. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final Duration window;
    private final Function<InetSocketAddress, String> origin;
    private final Map<Integer, Map<String, Long>> lastCallNanos = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> calls = new ConcurrentHashMap<>();
    /** The last call of each client on any export (NFS, MOUNT, NLM), for the lock lease. */
    private final Map<String, Long> lastCallAnywhere = new ConcurrentHashMap<>();

    public ClientActivity(Duration window) {
        this(window, ClientActivity::hostOf);
    }

    /** @param origin names the client behind a connection's remote address (its {@link #hostOf} unless relayed) */
    public ClientActivity(Duration window, Function<InetSocketAddress, String> origin) {
        this.window = window;
        this.origin = origin;
    }

    /** Counts a call on an export and notes its client as active there. */
    public void record(int exportIndex, RpcCall call) {
        String client = clientOf(call);
        long now = System.nanoTime();
        lastCallNanos.computeIfAbsent(exportIndex, i -> new ConcurrentHashMap<>()).put(client, now);
        calls.computeIfAbsent(exportIndex, i -> new LongAdder()).increment();
        lastCallAnywhere.put(client, now);
        if (lastCallAnywhere.size() > 4096) { // bounded: clients silent for a day are forgotten
            long dayAgo = now - java.util.concurrent.TimeUnit.DAYS.toNanos(1);
            lastCallAnywhere.values().removeIf(seen -> seen - dayAgo < 0);
        }
    }

    /** The client behind a call: its address, or for a relayed connection the instance behind it. */
    public String clientOf(RpcCall call) {
        try {
            return origin.apply(call.getTransport().getRemoteSocketAddress());
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /** The {@link System#nanoTime()} of the client's last call on any export, if it made one. */
    public java.util.OptionalLong lastCall(String client) {
        Long at = lastCallAnywhere.get(client);
        return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
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

    /**
     * NFS, MOUNT and NLM calls made on the export since it was served here (or since {@link #forget} of its index):
     * a cumulative count, like the S3 request counters.
     */
    public long calls(int exportIndex) {
        LongAdder count = calls.get(exportIndex);
        return count == null ? 0 : count.sum();
    }

    /** Drops what is known about an export that is no longer served, its call count included. */
    public void forget(int exportIndex) {
        lastCallNanos.remove(exportIndex);
        calls.remove(exportIndex);
    }

    /** The address a call came from as text, whoever is behind it (MOUNT's DUMP lists it). */
    public static String clientAddress(RpcCall call) {
        try {
            return hostOf(call.getTransport().getRemoteSocketAddress());
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /** The address of {@code a} as text, e.g. {@code 10.0.0.9}. */
    public static String hostOf(InetSocketAddress a) {
        return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    }
}
