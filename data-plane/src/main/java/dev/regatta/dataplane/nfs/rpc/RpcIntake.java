package dev.regatta.dataplane.nfs.rpc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.RpcMessageParserTCP;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.ConnectionProbe;
import org.glassfish.grizzly.IOEvent;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.Filter;
import org.glassfish.grizzly.filterchain.FilterChain;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.memory.PooledMemoryManager;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a peer may make the node hold in memory before it has proven anything: the intake of ONC RPC records on the
 * node's TCP listeners (NFS, MOUNT, NLM, NSM, portmap).
 *
 * <p>oncrpc4j buffers a record until its last fragment arrives, whatever its record markers announce, so one
 * unauthenticated connection could make the node allocate gigabytes. The intake watches the record markers of
 * every connection as bytes arrive, before oncrpc4j buffers them:
 * <ul>
 *   <li>a record larger than the listener's limit (the largest legal call: a WRITE of {@code wtmax} plus headers)
 *       closes its connection at once, counted and logged once a minute per source;</li>
 *   <li>every byte of a record counts against one node-wide budget from the moment it arrives until its call has
 *       run; when the budget is spent, connections that send more stop being read (TCP pushes back on their
 *       senders) until calls finish;</li>
 *   <li>a connection that stops in the middle of a record, or stays silent with nothing in flight, is closed after
 *       a timeout.</li>
 * </ul>
 * The record watch is a Grizzly filter put in front of oncrpc4j's record parser on each accepted connection; the
 * budget of a call that runs is released by the executor that runs it ({@link #executor}).
 */
public final class RpcIntake implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcIntake.class);
    /** How much of an RPC call may surround a WRITE's data: RPC header, credential, verifier, handle, arguments. */
    public static final int CALL_HEADROOM = 64 << 10;
    /** The least budget: four calls of 1 MiB (NFS's largest WRITE), so that big writes are never starved. */
    private static final long MIN_BUDGET_BYTES = 4L << 20;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_LOGGED_SOURCES = 10_000;

    /**
     * The intake's limits.
     *
     * @param budgetBytes      bytes of records, received or running, that all connections together may hold
     * @param halfSentTimeout  how long a connection may stop in the middle of a record
     * @param idleTimeout      how long a connection may stay silent with no call in flight (knfsd: 6 minutes)
     * @param sweepInterval    how often the timeouts are checked
     */
    public record Limits(long budgetBytes, Duration halfSentTimeout, Duration idleTimeout, Duration sweepInterval) {

        /** A quarter of the heap, at most 256 MiB: room for 256 WRITEs of 1 MiB in flight. */
        public static Limits defaults() {
            long budget = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);
            return new Limits(Math.max(budget, MIN_BUDGET_BYTES), Duration.ofSeconds(60),
                    Duration.ofMinutes(6), Duration.ofSeconds(5));
        }
    }

    /** Why the intake closed a connection; the metric's {@code reason} tag. */
    enum CloseReason {
        RECORD_TOO_LARGE("record-too-large"), HALF_SENT("half-sent"), IDLE("idle");

        final String tag;

        CloseReason(String tag) {
            this.tag = tag;
        }
    }

    /** The call being handed to the executor on this thread, with the bytes it holds (see {@link #executor}). */
    private static final ThreadLocal<Charge> HANDED_OVER = new ThreadLocal<>();

    private final Limits limits;
    private final MeterRegistry metrics;
    private final AtomicLong held = new AtomicLong();
    private final Map<Connection<?>, Inbound> connections = new ConcurrentHashMap<>();
    private final Set<Inbound> paused = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    /** Per transport, oncrpc4j's filter chain with the watch put in (built at the first accepted connection). */
    static final long RECORD_POOL_BYTES = 32L << 20;
    private final Map<TCPNIOTransport, FilterChain> chains = new ConcurrentHashMap<>();
    /** Replies leave in pooled direct buffers (see {@link DirectReplies}); it shares the record watch's place. */
    private final DirectReplies replies = new DirectReplies();
    /**
     * Records arrive in pooled direct buffers. With oncrpc4j's default, a heap buffer per socket read that Grizzly's
     * pool reallocated and zeroed as records grew, a 1 MiB WRITE spent 2.3 ms (p50) in the node; with these, 0.5 ms.
     * {@value #RECORD_POOL_BYTES} bytes are kept ready; more are made, and dropped after use, under heavier load.
     */
    private final PooledMemoryManager recordBuffers = new PooledMemoryManager(
            PooledMemoryManager.DEFAULT_BASE_BUFFER_SIZE, PooledMemoryManager.DEFAULT_NUMBER_OF_POOLS,
            PooledMemoryManager.DEFAULT_GROWTH_FACTOR, Runtime.getRuntime().availableProcessors(),
            (float) Math.min(0.03, (double) RECORD_POOL_BYTES / Runtime.getRuntime().maxMemory()), 1.0f, true);
    private final ScheduledExecutorService sweeper;

    public RpcIntake(Limits limits, MeterRegistry metrics) {
        this.limits = limits;
        this.metrics = metrics;
        Gauge.builder("rpc_intake_bytes", held, AtomicLong::get)
                .description("Bytes of RPC records received and not yet answered").register(metrics);
        Gauge.builder("rpc_intake_budget_bytes", limits::budgetBytes).register(metrics);
        Gauge.builder("rpc_intake_paused_connections", paused, Set::size).register(metrics);
        Gauge.builder("rpc_connections", connections, Map::size).register(metrics);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("regatta-rpc-intake-sweep").unstarted(r));
        long every = limits.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Watches every TCP connection {@code svc} will accept. Call before {@code svc.start()}.
     *
     * @param listener       the metric's {@code listener} tag, e.g. "nfs"
     * @param maxRecordBytes the largest record (markers included) a call on this listener may be
     */
    public void guard(OncRpcSvc svc, String listener, int maxRecordBytes) {
        Counter tooLarge = closedCounter(listener, CloseReason.RECORD_TOO_LARGE);
        for (NIOTransport transport : transportsOf(svc)) {
            if (!(transport instanceof TCPNIOTransport tcp)) {
                continue; // a UDP datagram is at most 64 KiB and is never buffered across reads
            }
            tcp.setMemoryManager(recordBuffers);
            tcp.getConnectionMonitoringConfig().addProbes(new ConnectionProbe.Adapter() {
                @Override
                public void onAcceptEvent(Connection server, Connection accepted) {
                    // Runs before the connection is registered for reads, so it never sees a byte unwatched.
                    accepted.setProcessor(guardedChain(tcp, maxRecordBytes, tooLarge));
                    connections.put(accepted, new Inbound(accepted, listener, maxRecordBytes));
                }

                @Override
                public void onCloseEvent(Connection connection) {
                    Inbound inbound = connections.remove(connection);
                    if (inbound != null) {
                        inbound.closed();
                    }
                }
            });
        }
    }

    /**
     * Runs calls, releasing each call's bytes from the budget when it has run. Give it to oncrpc4j as the worker
     * executor of the guarded services; it closes {@code calls} when closed.
     */
    public ExecutorService executor(ExecutorService calls) {
        return new ChargedExecutor(calls);
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** oncrpc4j's chain for this transport with the record watch before its record parser and the tally after. */
    private FilterChain guardedChain(TCPNIOTransport tcp, int maxRecordBytes, Counter tooLarge) {
        return chains.computeIfAbsent(tcp, t -> aroundParser((FilterChain) t.getProcessor(),
                List.of(replies, new RecordWatch(maxRecordBytes, tooLarge)), new Tally()));
    }

    /**
     * Bounds the replies a client-mode service receives (the node calling a client back): a connection whose reply
     * announces a record larger than {@code maxRecordBytes} is closed, so that a client answering a callback cannot
     * make the node buffer gigabytes. Call before the service connects.
     */
    public static void limitReplies(OncRpcSvc clientSvc, int maxRecordBytes) {
        for (NIOTransport transport : transportsOf(clientSvc)) {
            if (transport instanceof TCPNIOTransport tcp) {
                tcp.getConnectionMonitoringConfig().addProbes(new ConnectionProbe.Adapter() {
                    @Override
                    public void onConnectEvent(Connection connection) {
                        // The reply comes after the call, which is sent after this: no byte arrives unwatched.
                        connection.setProcessor(aroundParser((FilterChain) tcp.getProcessor(),
                                List.of(new ReplyWatch(maxRecordBytes))));
                    }
                });
            }
        }
    }

    /**
     * {@code base} with {@code before} in front of oncrpc4j's record parser and {@code after} behind it; a record
     * written passes {@code before} last to first, after the parser has added its record marker.
     */
    private static FilterChain aroundParser(FilterChain base, List<Filter> before, Filter... after) {
        int parser = base.indexOfType(RpcMessageParserTCP.class);
        if (parser < 0) {
            throw new IllegalStateException("oncrpc4j's chain has no RpcMessageParserTCP: " + base);
        }
        return FilterChainBuilder.stateless()
                .addAll(base.subList(0, parser))
                .addAll(before)
                .add(base.get(parser))
                .addAll(after)
                .addAll(base.subList(parser + 1, base.size()))
                .build();
    }

    @SuppressWarnings("unchecked")
    private static List<NIOTransport> transportsOf(OncRpcSvc svc) {
        // oncrpc4j builds its Grizzly transports privately and offers no limit on record sizes; the field is read
        // once per service at start, and a version without it fails here, at start, not silently.
        try {
            Field field = OncRpcSvc.class.getDeclaredField("_transports");
            field.setAccessible(true);
            return (List<NIOTransport>) field.get(svc);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot guard this oncrpc4j version's listeners (no _transports)", e);
        }
    }

    private Counter closedCounter(String listener, CloseReason reason) {
        return Counter.builder("rpc_connections_closed_total").tag("listener", listener).tag("reason", reason.tag)
                .description("Connections the node closed: records too large, half-sent records, idle")
                .register(metrics);
    }

    /** One line per source and minute, so that a flood cannot flood the log. */
    private void logRefusal(Inbound inbound, String what) {
        String source = inbound.source();
        long now = System.nanoTime();
        Long last = lastLogged.get(source);
        if (last != null && now - last < LOG_INTERVAL_NANOS) {
            return;
        }
        if (lastLogged.size() > MAX_LOGGED_SOURCES) {
            lastLogged.clear();
        }
        lastLogged.put(source, now);
        LOG.warn("closed {} connection from {}: {} (further ones from this source are not logged for a minute)",
                inbound.listener, source, what);
    }

    private void charge(long bytes) {
        held.addAndGet(bytes);
    }

    private void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        long now = held.addAndGet(-bytes);
        if (now <= limits.budgetBytes() && !paused.isEmpty()) {
            for (Inbound inbound : paused) {
                inbound.resume();
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Inbound inbound : connections.values()) {
            try {
                inbound.sweep(now);
            } catch (RuntimeException e) {
                LOG.warn("the RPC intake's sweep of {} failed: {}", inbound.source(), e.toString());
            }
        }
    }

    /** A call's bytes, released once when it has run (or when it turned out not to run). */
    private final class Charge {
        private final Inbound inbound;
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        Charge(Inbound inbound, long bytes) {
            this.inbound = inbound;
            this.bytes = bytes;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                inbound.callEnded();
                RpcIntake.this.release(bytes);
            }
        }
    }

    /** A call handed to oncrpc4j's dispatcher that never reached the executor (unknown program, garbage). */
    private static void releaseLeftover() {
        Charge left = HANDED_OVER.get();
        if (left != null) {
            HANDED_OVER.remove();
            left.release();
        }
    }

    /** One connection's progress through its record markers, and what it holds. */
    private final class Inbound {
        final Connection<?> connection;
        final String listener;
        private final RecordMarkers markers;
        /** Bytes received of records not yet handed to the dispatcher. */
        private long receiving;
        private final ArrayDeque<Long> complete = new ArrayDeque<>();
        private int inFlight;
        private long lastProgress = System.nanoTime();
        private boolean isPaused;
        private long pausedAt;
        private boolean isClosed;

        Inbound(Connection<?> connection, String listener, int maxRecordBytes) {
            this.connection = connection;
            this.listener = listener;
            this.markers = new RecordMarkers(maxRecordBytes);
        }

        String source() {
            Object peer = connection.getPeerAddress();
            return peer instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : String.valueOf(peer);
        }

        /**
         * Follows the record markers over newly arrived bytes.
         *
         * @return the size of a record that is too large, or -1
         */
        synchronized long arrived(Buffer bytes) {
            lastProgress = System.nanoTime();
            long tooLarge = markers.follow(bytes, complete::add);
            if (tooLarge >= 0) {
                return tooLarge;
            }
            int count = bytes.remaining();
            receiving += count;
            charge(count);
            return -1;
        }

        /** A complete record goes to the dispatcher: its bytes now belong to its call. */
        synchronized Charge handOver() {
            Long bytes = complete.poll();
            long size = bytes == null ? 0 : bytes;
            receiving -= size;
            inFlight++;
            return new Charge(this, size);
        }

        synchronized void callEnded() {
            inFlight--;
            lastProgress = System.nanoTime();
        }

        /** Stops reading this connection while the budget is spent. */
        synchronized void pauseIfOverBudget() {
            if (held.get() <= limits.budgetBytes() || isPaused || isClosed) {
                return;
            }
            try {
                connection.disableIOEvent(IOEvent.READ);
                isPaused = true;
                pausedAt = System.nanoTime();
                paused.add(this);
            } catch (IOException e) {
                LOG.debug("cannot stop reading {}: {}", source(), e.toString());
            }
        }

        synchronized void resume() {
            if (!isPaused) {
                return;
            }
            isPaused = false;
            paused.remove(this);
            lastProgress = System.nanoTime(); // waiting for the budget is not the peer's delay
            if (!isClosed) {
                try {
                    connection.enableIOEvent(IOEvent.READ);
                } catch (IOException e) {
                    LOG.debug("cannot read {} again: {}", source(), e.toString());
                }
            }
        }

        void closed() {
            long dropped;
            synchronized (this) {
                isClosed = true;
                paused.remove(this);
                dropped = receiving;
                receiving = 0;
                complete.clear();
            }
            release(dropped); // outside this connection's lock: releasing resumes others
        }

        void sweep(long now) {
            CloseReason reason;
            synchronized (this) {
                if (isClosed) {
                    return;
                }
                boolean midRecord = markers.midRecord();
                long quiet = now - (isPaused ? pausedAt : lastProgress);
                // Waiting for the budget is not the peer's delay: a paused connection gets twice the time from its
                // pause, so that the senders who hold the budget are closed first. That it is closed at all keeps a
                // budget held by half-sent records alone from stalling every connection for good.
                long allowed = limits.halfSentTimeout().toNanos() * (isPaused ? 2 : 1);
                if (midRecord && quiet > allowed) {
                    reason = CloseReason.HALF_SENT;
                } else if (!midRecord && inFlight == 0 && complete.isEmpty()
                        && quiet > limits.idleTimeout().toNanos()) {
                    reason = CloseReason.IDLE;
                } else {
                    return;
                }
            }
            closedCounter(listener, reason).increment();
            if (reason == CloseReason.HALF_SENT) {
                logRefusal(this, "it sent part of a record and nothing more for " + limits.halfSentTimeout());
            } else {
                LOG.debug("closing idle {} connection from {}", listener, source());
            }
            connection.closeSilently();
        }
    }

    /** Watches record markers in front of oncrpc4j's record parser. */
    private final class RecordWatch extends BaseFilter {
        private final int maxRecordBytes;
        private final Counter tooLarge;

        RecordWatch(int maxRecordBytes, Counter tooLarge) {
            this.maxRecordBytes = maxRecordBytes;
            this.tooLarge = tooLarge;
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            releaseLeftover();
            Inbound inbound = connections.get(ctx.getConnection());
            Buffer bytes = ctx.getMessage();
            if (inbound == null || bytes == null) {
                return ctx.getInvokeAction();
            }
            long tooBig = inbound.arrived(bytes);
            if (tooBig >= 0) {
                tooLarge.increment();
                logRefusal(inbound, "it announced a record of " + tooBig + " bytes, more than the "
                        + maxRecordBytes + " a call may have");
                ctx.getConnection().closeSilently();
                return ctx.getStopAction();
            }
            inbound.pauseIfOverBudget();
            return ctx.getInvokeAction();
        }
    }

    /** After the record parser: each complete record is a call about to be dispatched. */
    private final class Tally extends BaseFilter {
        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            releaseLeftover();
            Inbound inbound = connections.get(ctx.getConnection());
            if (inbound != null) {
                HANDED_OVER.set(inbound.handOver());
            }
            return ctx.getInvokeAction();
        }
    }

    /** In front of a client connection's record parser: closes it on a reply larger than the limit. */
    private static final class ReplyWatch extends BaseFilter {
        private final int maxRecordBytes;
        private final Map<Connection<?>, RecordMarkers> markers = new ConcurrentHashMap<>();

        ReplyWatch(int maxRecordBytes) {
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws IOException {
            Buffer bytes = ctx.getMessage();
            RecordMarkers stream = markers.computeIfAbsent(ctx.getConnection(), c -> new RecordMarkers(maxRecordBytes));
            long tooBig = bytes == null ? -1 : stream.follow(bytes, size -> { });
            if (tooBig >= 0) {
                LOG.warn("closed the connection to {}: its reply announced a record of {} bytes, more than the {} "
                        + "a reply may have", ctx.getConnection().getPeerAddress(), tooBig, maxRecordBytes);
                ctx.getConnection().closeSilently();
                return ctx.getStopAction();
            }
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleClose(FilterChainContext ctx) throws IOException {
            markers.remove(ctx.getConnection());
            return ctx.getInvokeAction();
        }
    }

    /** oncrpc4j's dispatcher hands each call to this executor on the thread that parsed it. */
    private static final class ChargedExecutor extends AbstractExecutorService {
        private final ExecutorService calls;

        ChargedExecutor(ExecutorService calls) {
            this.calls = calls;
        }

        @Override
        public void execute(Runnable call) {
            Charge charge = HANDED_OVER.get();
            HANDED_OVER.remove();
            if (charge == null) {
                calls.execute(call);
                return;
            }
            try {
                calls.execute(() -> {
                    try {
                        call.run();
                    } finally {
                        charge.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                charge.release();
                throw e;
            }
        }

        @Override
        public void shutdown() {
            calls.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return calls.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return calls.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return calls.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return calls.awaitTermination(timeout, unit);
        }
    }
}
