package dev.regatta.dataplane.nfs.nlm;

import dev.regatta.dataplane.locks.GracePeriod;
import dev.regatta.dataplane.locks.LockManager;
import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.RpcCalls;
import dev.regatta.dataplane.nfs.rpc.Xdr.Decoder;
import dev.regatta.dataplane.nfs.rpc.Xdr.Encoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's lock service behind NLM v4 and NSM: the {@link LockManager} every client of a file system shares, the
 * grace period after a start, the hosts that took locks (kept on disk, told of a restart), and the callbacks to
 * clients: GRANTED when a blocked lock is granted, the *_RES answers to *_MSG calls, SM_NOTIFY after a restart, and
 * the lease's probe. Callbacks run on their own virtual threads, never on RPC workers, each attempt bounded by the
 * callback timeout; a client that cannot be called back is logged once (until a callback to it works again).
 *
 * <p>Locks live in memory only. That is what NLM expects of a server: whenever a file system's locks start being
 * served anew (the node restarted, or it became the leader of the file system's replication group after another
 * member), the node tells each client that took locks on it before (SM_NOTIFY, to the hosts the file system keeps in
 * its metadata, see {@link #serving}), and during the file system's grace period only those clients' reclaims are
 * granted, so every lock held before is held again before anyone else can take a conflicting one. Hosts of exports
 * with no such record of their own (tests; file systems of a version before it) are kept node-wide in
 * {@code <data-dir>/nlm/hosts}, with a node-wide grace period after a start.
 */
public final class Nlm implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Nlm.class);

    /** A host that holds nothing and was not heard from for this long leaves the hosts file. */
    static final Duration HOST_IDLE = Duration.ofHours(1);
    /** How long the node keeps trying to tell a host of its restart (sm-notify's default). */
    static final Duration NOTIFY_FOR = Duration.ofMinutes(15);
    static final int CALLBACK_ATTEMPTS = 3;

    /** What a blocked request waits with: everything its GRANTED callback needs. */
    record Waiting(NlmPeer peer, byte[] cookie, NlmXdr.Lock lock, boolean exclusive) {
    }

    /** A file system whose locks this node serves now: where its hosts are kept, and its own grace period. */
    private record Served(String name, MonitoredHosts hosts, GracePeriod grace) {
    }

    private final LockSettings settings;
    private final MonitoredHosts hosts;
    private final CallbackTarget target;
    private final LockManager locks = new LockManager();
    private final GracePeriod grace;
    private final int state;
    private final List<MonitoredHosts.Host> toNotify;
    private final long startNanos = System.nanoTime();
    private final ExecutorService callbacks =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nlm-callback-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("nlm-timer").daemon().factory());
    private final Map<String, NlmPeer> lastPeer = new ConcurrentHashMap<>();
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Set<String> probing = ConcurrentHashMap.newKeySet();
    private final Set<MonitoredHosts.Host> notifying = ConcurrentHashMap.newKeySet();
    /** The file systems served with hosts of their own, by the number their locks are kept under. */
    private final Map<Integer, Served> served = new ConcurrentHashMap<>();
    /** SM_NOTIFYs to send once {@link #start} is called (the RPC port not open yet); guarded by itself. */
    private final List<Runnable> notifyAtStart = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile ClientActivity activity = new ClientActivity(ClientActivity.DEFAULT_WINDOW);
    private volatile int selfPort = -1;
    /** The first wait between SM_NOTIFY attempts; doubles up to a minute. */
    volatile Duration notifyBackoff = Duration.ofSeconds(2);
    /** The wait between attempts of a GRANTED or *_RES callback. */
    volatile Duration callbackBackoff = Duration.ofSeconds(1);

    /**
     * @param hosts  the hosts that took locks before; when there are any, the grace period starts now
     * @param target where clients are called back
     */
    public Nlm(LockSettings settings, MonitoredHosts hosts, CallbackTarget target) throws IOException {
        this.settings = settings;
        this.hosts = hosts;
        this.target = target;
        this.state = hosts.nextState();
        this.toNotify = hosts.all();
        this.grace = toNotify.isEmpty() ? GracePeriod.none() : GracePeriod.startingNow(settings.gracePeriod());
        locks.onGrant(this::granted);
        if (!toNotify.isEmpty()) {
            log.info("NLM: {} client hosts took locks before this start; only their reclaims are granted for {}",
                    toNotify.size(), settings.gracePeriod());
        }
    }

    /** The lock service of a node: its hosts kept in {@code dir} ({@code <data-dir>/nlm}). */
    public static Nlm open(LockSettings settings, Path dir, CallbackTarget target) throws IOException {
        return new Nlm(settings, MonitoredHosts.open(dir), target);
    }

    /** A lock service that forgets its hosts when it stops: default settings, callbacks through portmap. */
    public static Nlm inMemory() {
        try {
            return new Nlm(LockSettings.DEFAULTS, MonitoredHosts.inMemory(), new PortmapCallbackTarget());
        } catch (IOException e) {
            throw new IllegalStateException(e); // nothing to read or write in memory
        }
    }

    public LockManager locks() {
        return locks;
    }

    public GracePeriod grace() {
        return grace;
    }

    /** This start's NSM state number. */
    public int state() {
        return state;
    }

    public LockSettings settings() {
        return settings;
    }

    /**
     * Starts the background work once the RPC port is open: telling the hosts of before that the node restarted,
     * the lease, and the hosts file's upkeep.
     *
     * @param selfPort the node's own RPC port, which a callback must never reach
     */
    public void start(ClientActivity activity, int selfPort) {
        this.activity = activity;
        this.selfPort = selfPort;
        if (!started.compareAndSet(false, true)) {
            return;
        }
        if (grace.active()) {
            timer.schedule(() -> log.info("NLM: the grace period is over; new locks are granted"),
                    grace.remaining().toMillis(), TimeUnit.MILLISECONDS);
        }
        for (MonitoredHosts.Host h : toNotify) {
            notifying.add(h);
            callbacks.execute(() -> notifyRestart(h, state));
        }
        synchronized (notifyAtStart) {
            notifyAtStart.forEach(callbacks::execute);
            notifyAtStart.clear();
        }
        if (settings.leaseEnabled()) {
            long every = Math.clamp(settings.shortestLease().toMillis() / 4, 100, 30_000);
            timer.scheduleWithFixedDelay(this::leaseTick, every, every, TimeUnit.MILLISECONDS);
        }
        timer.scheduleWithFixedDelay(this::forgetIdleHosts, 10, 10, TimeUnit.MINUTES);
    }

    // ---- file systems --------------------------------------------------------------------------------------

    /**
     * This node starts serving the locks of file system {@code fileSystem} (the number its locks are kept under; named
     * {@code name} in the log), whose hosts are kept in {@code hosts}: it moves the file system's NSM state on, and
     * when hosts took locks on it before (whoever served it then: this node before a restart, or another member of
     * its group), starts the file system's grace period and tells each of them. Call it before the file system
     * answers its first lock call.
     */
    public void serving(int fileSystem, String name, MonitoredHosts hosts) throws IOException {
        int fsState = hosts.nextState();
        List<MonitoredHosts.Host> before = hosts.all();
        GracePeriod fsGrace = before.isEmpty() ? GracePeriod.none() : GracePeriod.startingNow(settings.gracePeriod());
        served.put(fileSystem, new Served(name, hosts, fsGrace));
        if (before.isEmpty()) {
            return;
        }
        log.info("NLM: {} client hosts took locks on file system {} before this node served it; only their reclaims "
                + "are granted on it for {} (NSM state {})", before.size(), name, settings.gracePeriod(), fsState);
        timer.schedule(() -> {
            if (served.get(fileSystem) instanceof Served s && s.grace() == fsGrace) {
                log.info("NLM: the grace period of file system {} is over; new locks are granted", name);
            }
        }, fsGrace.remaining().toMillis(), TimeUnit.MILLISECONDS);
        for (MonitoredHosts.Host h : before) {
            notifying.add(h);
            Runnable tell = () -> notifyRestart(h, fsState);
            synchronized (notifyAtStart) {
                if (started.get()) {
                    callbacks.execute(tell);
                } else {
                    notifyAtStart.add(tell);
                }
            }
        }
    }

    /**
     * This node no longer serves file system {@code fileSystem}'s locks (another member of its group leads it, or it
     * is no longer assigned here): everything held on it here is dropped, for whoever serves it next learns it again
     * from the clients' reclaims.
     */
    public void stoppedServing(int fileSystem) {
        Served was = served.remove(fileSystem);
        LockManager.Released r = locks.releaseAll(fileSystem);
        if (!r.isEmpty()) {
            log.info("NLM: no longer serving file system {}: dropped {} locks, {} waiting requests, {} share "
                    + "reservations here (their clients reclaim them from whoever serves it next)",
                    was == null ? fileSystem : was.name(), r.locks(), r.waiters(), r.shares());
        }
    }

    /** Whether file system {@code fileSystem} is in a grace period: its own, or the node's after a start. */
    public boolean inGrace(int fileSystem) {
        Served s = served.get(fileSystem);
        return grace.active() || (s != null && s.grace().active());
    }

    // ---- what the services tell it -------------------------------------------------------------------------

    /** A call from the client: remember how to reach it, and that it is alive. */
    void seen(NlmPeer peer) {
        lastPeer.put(peer.client(), peer);
        lastSeen.put(peer.client(), System.nanoTime());
    }

    /**
     * Keeps the client host where file system {@code fileSystem} keeps its hosts (else node-wide), durably, so that
     * whoever serves its locks next can tell it; done before the host's first lock there is granted.
     */
    void monitor(NlmPeer peer, int fileSystem) throws IOException {
        Served s = served.get(fileSystem);
        (s != null ? s.hosts() : hosts).add(new MonitoredHosts.Host(peer.client(), peer.name(),
                ClientActivity.hostOf(peer.remote()), peer.local() == null ? "" : ClientActivity.hostOf(peer.local())));
    }

    /** FREE_ALL: the host {@code name} at {@code client} frees everything it holds. */
    LockManager.Released freeAll(String client, String name) {
        LockManager.Released r = locks.release(o -> o.isOn(client, name));
        if (!r.isEmpty()) {
            log.info("NLM FREE_ALL from {} at {}: released {} locks, {} waiting requests, {} share reservations",
                    name, client, r.locks(), r.waiters(), r.shares());
        }
        return r;
    }

    /**
     * SM_NOTIFY: the host {@code monName} at {@code client} restarted, so whatever it held is gone. The notification
     * must come from the host's own network identity; the name is its {@code caller_name} or that identity itself.
     */
    LockManager.Released rebooted(String client, String monName, int newState) {
        LockManager.Released r = locks.release(o -> o.client().equals(client)
                && (o.host().equalsIgnoreCase(monName) || client.equals(monName)));
        log.info("NSM: {} at {} restarted (state {}): released {} locks, {} waiting requests, {} share reservations",
                monName, client, newState, r.locks(), r.waiters(), r.shares());
        return r;
    }

    /** Answers a *_MSG call with the client's *_RES procedure, off the RPC thread. */
    void respond(NlmPeer peer, int procedure, Encoder result) {
        callbacks.execute(() -> {
            try {
                callWithRetries(peer, NlmXdr.NLM_PROGRAM, NlmXdr.NLM_V4, procedure, result, in -> null);
                worked(peer);
            } catch (IOException e) {
                failed(peer, "the answer (procedure " + procedure + ") to its asynchronous call", e);
            }
        });
    }

    // ---- GRANTED -------------------------------------------------------------------------------------------

    private void granted(LockManager.Grant grant) {
        if (grant.attachment() instanceof Waiting w) {
            callbacks.execute(() -> sendGranted(grant, w));
        }
    }

    private void sendGranted(LockManager.Grant grant, Waiting w) {
        int fs = grant.file().fileSystem();
        IOException last = null;
        for (int attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
            try {
                NlmXdr.Res res = call(w.peer(), NlmXdr.NLM_PROGRAM, NlmXdr.NLM_V4, NlmXdr.GRANTED,
                        out -> NlmXdr.testArgs(out, w.cookie(), w.exclusive(), w.lock()), NlmXdr::res);
                if (res.stat() == NlmXdr.Stat.DENIED_GRACE_PERIOD && attempt < CALLBACK_ATTEMPTS) {
                    pause(callbackBackoff.multipliedBy(attempt)); // the client restarted and is in its own grace
                    continue;
                }
                locks.countGrantCallback(fs, true);
                worked(w.peer());
                if (res.stat() == NlmXdr.Stat.GRANTED) {
                    locks.confirm(grant.file(), grant.lock());
                } else if (locks.refuse(grant.file(), grant.lock())) {
                    log.info("NLM: {} no longer waits for {} ({}), released it", w.peer(), grant.lock(), res.stat());
                }
                return;
            } catch (IOException e) {
                last = e;
                target.failed(w.peer(), NlmXdr.NLM_PROGRAM, NlmXdr.NLM_V4);
                if (attempt < CALLBACK_ATTEMPTS && !pause(callbackBackoff.multipliedBy(attempt))) {
                    break;
                }
            }
        }
        locks.countGrantCallback(fs, false);
        failed(w.peer(), "GRANTED of " + grant.lock() + "; the lock stays granted, and the client gets it when it "
                + "asks again (Linux clients ask every 30 s)", last);
    }

    // ---- SM_NOTIFY after a restart or a failover: "reclaim your locks" ---------------------------------------

    private void notifyRestart(MonitoredHosts.Host h, int state) {
        long deadline = System.nanoTime() + NOTIFY_FOR.toNanos();
        Duration delay = notifyBackoff;
        String monName = h.server().isEmpty() ? localName() : h.server();
        try {
            NlmPeer peer = new NlmPeer(new InetSocketAddress(InetAddress.getByName(h.address()), 0), h.client(),
                    h.name(), null);
            while (true) {
                try {
                    call(peer, NlmXdr.NSM_PROGRAM, NlmXdr.NSM_V1, NlmXdr.SM_NOTIFY,
                            out -> NlmXdr.statChange(out, monName, state), in -> null);
                    log.info("NSM: told {} at {} to reclaim its locks (SM_NOTIFY as {}, state {})", h.name(),
                            h.address(), monName, state);
                    return;
                } catch (IOException e) {
                    target.failed(peer, NlmXdr.NSM_PROGRAM, NlmXdr.NSM_V1);
                    if (System.nanoTime() + delay.toNanos() - deadline > 0) {
                        log.warn("NSM: could not tell {} at {} to reclaim its locks, giving up after {}: {}; "
                                + "its locks, if it held any, are not reclaimed", h.name(), h.address(), NOTIFY_FOR,
                                e.getMessage());
                        return;
                    }
                    if (!pause(delay)) {
                        return;
                    }
                    delay = delay.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1)
                            : delay.multipliedBy(2);
                }
            }
        } catch (UnknownHostException e) {
            log.warn("NSM: cannot tell {} to reclaim its locks: no address '{}'", h.name(), h.address());
        } finally {
            notifying.remove(h);
            lastSeen.putIfAbsent(h.client(), System.nanoTime());
        }
    }

    private static String localName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    // ---- the lease -----------------------------------------------------------------------------------------

    /**
     * Clients that hold something and were silent for the lease are probed with a NULL call to their lock manager;
     * those that do not answer lose everything they hold.
     */
    void leaseTick() {
        long now = System.nanoTime();
        for (String client : locks.clients()) {
            long lease = lease(client).toNanos();
            long last = Math.max(lastSeen.getOrDefault(client, startNanos),
                    activity.lastCall(client).orElse(startNanos));
            if (lease == 0 || now - last < lease || !probing.add(client)) {
                continue;
            }
            callbacks.execute(() -> {
                try {
                    probe(client);
                } finally {
                    probing.remove(client);
                }
            });
        }
    }

    private Duration lease(String client) {
        NlmPeer peer = lastPeer.get(client);
        return settings.lease(peer != null && peer.relayed());
    }

    private void probe(String client) {
        NlmPeer peer = lastPeer.get(client);
        IOException failure = null;
        if (peer != null) {
            try {
                callWithRetries(peer, NlmXdr.NLM_PROGRAM, NlmXdr.NLM_V4, NlmXdr.NULL, out -> { }, in -> null);
                lastSeen.put(client, System.nanoTime());
                log.debug("NLM lease: {} was silent but its lock manager answers; its locks stay", peer);
                return;
            } catch (IOException e) {
                failure = e;
            }
        }
        LockManager.Released r = locks.release(o -> o.client().equals(client));
        log.warn("NLM lease: client {} made no call for {} and its lock manager does not answer ({}): released {} "
                        + "locks, {} waiting requests, {} share reservations", client, lease(client),
                failure == null ? "no address known" : failure.getMessage(), r.locks(), r.waiters(), r.shares());
    }

    // ---- the hosts file's upkeep ---------------------------------------------------------------------------

    private void forgetIdleHosts() {
        try {
            Set<String> holding = locks.clients();
            long idle = HOST_IDLE.toNanos();
            long now = System.nanoTime();
            Predicate<MonitoredHosts.Host> forgotten = h -> !holding.contains(h.client()) && !notifying.contains(h)
                    && now - lastSeen.getOrDefault(h.client(), startNanos) > idle;
            int removed = hosts.removeIf(forgotten);
            for (Served s : served.values()) {
                removed += s.hosts().removeIf(forgotten);
            }
            if (removed > 0) {
                log.debug("NLM: forgot {} idle client hosts", removed);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("NLM: cannot update the hosts file: {}", e.toString());
        }
    }

    // ---- calling clients -----------------------------------------------------------------------------------

    private <T> T callWithRetries(NlmPeer peer, int program, int version, int procedure, Encoder args,
                                  Decoder<T> reply) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
            try {
                return call(peer, program, version, procedure, args, reply);
            } catch (IOException e) {
                last = e;
                target.failed(peer, program, version);
                if (attempt < CALLBACK_ATTEMPTS && !pause(callbackBackoff.multipliedBy(attempt))) {
                    break;
                }
            }
        }
        throw last;
    }

    private <T> T call(NlmPeer peer, int program, int version, int procedure, Encoder args, Decoder<T> reply)
            throws IOException {
        InetSocketAddress at = target.locate(peer, program, version, settings.callbackTimeout());
        if (isSelf(at)) {
            throw new IOException("program " + program + " at " + at + " is this node itself, not " + peer);
        }
        return RpcCalls.call(at, program, version, procedure, args, reply, settings.callbackTimeout());
    }

    private boolean isSelf(InetSocketAddress at) {
        if (at.getPort() != selfPort || at.getAddress() == null) {
            return false;
        }
        InetAddress a = at.getAddress();
        try {
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private void worked(NlmPeer peer) {
        if (failing.remove(peer.client())) {
            log.info("NLM: callbacks to {} work again", peer);
        }
    }

    private void failed(NlmPeer peer, String what, IOException e) {
        String reason = e == null ? "interrupted" : e.getMessage();
        if (failing.add(peer.client())) {
            log.warn("NLM: cannot call back {}: {} failed: {} (logged once until a callback to it works)", peer,
                    what, reason);
        } else {
            log.debug("NLM: cannot call back {}: {} failed: {}", peer, what, reason);
        }
    }

    /** Sleeps; false when interrupted (the service is closing). */
    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        callbacks.shutdownNow();
        try {
            callbacks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
