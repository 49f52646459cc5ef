package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.CallbackHeader;
import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.Failures;
import dev.regatta.tunnel.relay.Relay;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.relay.WaitingLine;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The instance's end of the callback lines (see the node's {@code CallbackRoutes}): keeps one idle line open to the
 * node, and when the node uses it, connects it to the lock service the node names (found through the machine's
 * rpcbind) and opens the next idle line. In a replication group the line goes to the member the tunnel's connections
 * go to first; a member that closes an idle line (it does not lead, or it went down) makes the next line, and new
 * tunnel connections, try the member after it first.
 *
 * <p>The connection to the local service comes from the mount's own address (127.0.77.N): the kernel's lock client
 * accepts a GRANTED callback only from the address of the server it asked, and for a tunnel mount that is the
 * address the mount names.
 */
final class CallbackReceiver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CallbackReceiver.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** A line the node closes sooner than this, unused, makes the next one wait longer. */
    private static final Duration SHORT_LIVED = Duration.ofSeconds(10);

    private final Members members;
    private final NodeDialer dialer;
    private final EventLoopGroup eventLoops;
    private final InetAddress sourceAddress;
    private final LocalServices services;
    /** rpcbind lookups block; they are rare (one per callback) and quick. */
    private final ExecutorService lookups = Executors.newCachedThreadPool(
            new DefaultThreadFactory("regatta-callback-lookup", true));
    private volatile boolean closed;
    private volatile Channel spare;
    private volatile Duration idleClosePause = FIRST_RETRY.dividedBy(2);

    CallbackReceiver(Members members, NodeDialer dialer, EventLoopGroup eventLoops, InetAddress sourceAddress,
                     LocalServices services) {
        this.members = members;
        this.dialer = dialer;
        this.eventLoops = eventLoops;
        this.sourceAddress = sourceAddress;
        this.services = services;
    }

    /** Opens the first idle line, in the background (the node may not be reachable yet). */
    void start() {
        openSpare(FIRST_RETRY);
    }

    @Override
    public void close() {
        closed = true;
        Channel line = spare;
        if (line != null) {
            line.close();
        }
        lookups.shutdownNow();
    }

    private void openSpare(Duration nextRetry) {
        if (closed) {
            return;
        }
        MemberSearch search = new MemberSearch(members, dialer, MemberSearch.Limits.oneRound(), eventLoops.next(),
                () -> !closed);
        search.next().addListener((Future<MemberSearch.Found> dialed) -> {
            if (dialed.isSuccess()) {
                idle(dialed.getNow());
            } else if (!closed) {
                log.warn("no callback line (lock callbacks wait for it): {}; retrying in {} s",
                        dialed.cause().getMessage(), nextRetry.toSeconds());
                eventLoops.next().schedule(() -> openSpare(min(nextRetry.multipliedBy(2), MAX_RETRY)),
                        nextRetry.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void idle(MemberSearch.Found found) {
        Channel line = found.channel();
        NodeAddress node = found.node();
        if (closed) {
            line.close();
            return;
        }
        spare = line;
        long openedAt = System.nanoTime();
        line.pipeline().addBefore(line.pipeline().context(EarlyInbound.class).name(), "callback-header",
                new HeaderReader(node));
        line.closeFuture().addListener(f -> {
            if (spare == line) {
                // Closed while idle: the node restarted, or it closed the line (a node that refuses this mount, or a
                // member that does not lead, closes each new one at once, hence the growing pause). Keep one open.
                spare = null;
                boolean shortLived = System.nanoTime() - openedAt < SHORT_LIVED.toNanos();
                Duration pause = shortLived ? min(idleClosePause.multipliedBy(2), MAX_RETRY) : FIRST_RETRY;
                idleClosePause = pause;
                if (!closed) {
                    String elsewhere = members.dropped(node).map(next -> " to " + next).orElse("");
                    log.info("the callback line to the node {} closed; opening another{} in {} s", node, elsewhere,
                            pause.toSeconds());
                    eventLoops.next().schedule(() -> openSpare(FIRST_RETRY), pause.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
        });
        // Read while idle: the node's header, or the line's end.
        line.config().setAutoRead(true);
        log.debug("callback line to the node {} open via {}", node, line.localAddress());
    }

    /** The node started a call on {@code line}: connect it to the service it names, and open the next spare. */
    private void called(Channel line, CallbackHeader service) {
        spare = null;
        openSpare(FIRST_RETRY);
        if (!service.allowed()) {
            log.warn("closing a callback line: the node asked for {}, which callback lines do not carry", service);
            line.close();
            return;
        }
        lookups.execute(() -> {
            InetSocketAddress target;
            try {
                target = services.locate(service.program(), service.version());
            } catch (IOException e) {
                log.warn("the node called this machine's {}, which cannot be reached: {}", service, e.getMessage());
                line.close();
                return;
            }
            line.eventLoop().execute(() -> connect(line, service, target));
        });
    }

    private void connect(Channel line, CallbackHeader service, InetSocketAddress target) {
        Transport.client(line.eventLoop(), CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInboundHandlerAdapter())
                .localAddress(new InetSocketAddress(sourceAddress, 0))
                .connect(target)
                .addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        log.warn("cannot pass the node's call to this machine's {} at {}: {}", service, target,
                                Failures.describe(connected.cause()));
                        line.close();
                        return;
                    }
                    log.debug("the node calls this machine's {} at {}", service, target);
                    Relay.join(line, "the node's callback line", connected.channel(), "the local " + service,
                            reason -> log.debug("callback to the local {} ended: {}", service, reason));
                });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Waits on an idle line for the node's {@link CallbackHeader}; what follows it is held for the relay. */
    private final class HeaderReader extends WaitingLine {

        private ByteBuf header;

        HeaderReader(NodeAddress node) {
            super("the idle callback line to the node " + node);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf in)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (header == null) {
                header = ctx.alloc().buffer(CallbackHeader.BYTES);
            }
            header.writeBytes(in, Math.min(in.readableBytes(), CallbackHeader.BYTES - header.readableBytes()));
            CallbackHeader.read(header).ifPresent(service -> {
                ctx.channel().config().setAutoRead(false);
                ctx.pipeline().remove(this);
                if (in.isReadable()) {
                    ctx.fireChannelRead(in.retain());
                }
                called(ctx.channel(), service);
            });
            in.release();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (header != null) {
                header.release();
                header = null;
            }
        }
    }
}
