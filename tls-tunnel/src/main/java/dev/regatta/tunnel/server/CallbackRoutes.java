package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.relay.CallbackHeader;
import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.Failures;
import dev.regatta.tunnel.relay.Relay;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.relay.WaitingLine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The node's end of the callback lines: lets the node call a mount's lock manager, which the node cannot connect to
 * (the instance may be behind NAT or a firewall, and its lock manager listens on the instance's loopback).
 *
 * <p>Each mount with locks keeps one idle TLS connection open to the node, a line ({@code regatta-callback/1}).
 * {@link #address} gives the node's RPC code a plain TCP address on loopback for a mount and a program; a connection
 * made to it takes one idle line of that mount, sends the {@link CallbackHeader}, and is relayed over the line to the
 * instance, which connects it to its own service and opens a new idle line. A line carries one connection and closes
 * with it. The loopback listeners are made on demand and closed 30 s after their mount's last line closed.
 *
 * <p>Thread-safe; lines are kept per mount in the order they arrived.
 */
final class CallbackRoutes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CallbackRoutes.class);

    private record Line(Channel channel, ClientIdentity identity) {
    }

    private record Route(String mountId, CallbackHeader service) {
    }

    private final EventLoopGroup eventLoops;
    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    /** A call waits this long for a line when all of its mount's are in use; the instance opens one at once. */
    private static final Duration WAIT_FOR_LINE = Duration.ofSeconds(5);
    /** How long a mount's listeners stay after its last line closed. */
    private static final Duration LISTENER_LINGER = Duration.ofSeconds(30);

    private final Map<String, Deque<Line>> idle = new HashMap<>();
    /** Lines open per mount, idle or carrying a call: a mount's listeners live while it has one. */
    private final Map<String, Integer> openLines = new HashMap<>();
    private final Map<String, Deque<Consumer<Line>>> waiting = new HashMap<>();
    private final Map<Route, Channel> listeners = new HashMap<>();

    CallbackRoutes(EventLoopGroup eventLoops) {
        this.eventLoops = eventLoops;
    }

    /** An admitted connection of {@code identity} that named the callback protocol: keep it until it is needed. */
    void add(ClientIdentity identity, Channel channel) {
        Line line = new Line(channel, identity);
        log.info("mount {} opened a callback line from {}", identity.mountId(), channel.remoteAddress());
        Consumer<Line> waiter;
        synchronized (this) {
            Deque<Line> lines = idle.computeIfAbsent(identity.mountId(), id -> new ArrayDeque<>());
            openLines.merge(identity.mountId(), 1, Integer::sum);
            Deque<Consumer<Line>> callers = waiting.get(identity.mountId());
            waiter = callers == null ? null : callers.poll();
            if (waiter == null) {
                lines.add(line);
            }
        }
        channel.closeFuture().addListener(closed -> removed(line));
        if (waiter != null) {
            waiter.accept(line);
            return;
        }
        channel.pipeline().addBefore(channel.pipeline().context(EarlyInbound.class).name(), "idle-line",
                new IdleLine(identity));
        // Reading while idle is how a closed line is noticed; an idle line receives nothing else.
        channel.config().setAutoRead(true);
    }

    /**
     * Where the node connects to call {@code program} {@code version} of the mount; empty when the mount has no
     * callback line open (a mount without locks, or one whose tunnel is down).
     */
    Optional<InetSocketAddress> address(String mountId, int program, int version) {
        Route route = new Route(mountId, new CallbackHeader(program, version));
        if (!route.service().allowed()) {
            throw new IllegalArgumentException("callback lines carry NLM v4 and NSM v1 only, not " + route.service());
        }
        synchronized (this) {
            if (!openLines.containsKey(mountId)) {
                return Optional.empty();
            }
            Channel listener = listeners.get(route);
            if (listener != null) {
                return Optional.of((InetSocketAddress) listener.localAddress());
            }
        }
        // Bound outside the lock: binding needs an event loop, whose threads take the lock too.
        ChannelFuture bound = Transport.server(eventLoops)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new Caller(route));
                    }
                })
                .bind(new InetSocketAddress(loopback, 0))
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            log.warn("cannot listen on loopback for callbacks to mount {}: {}", mountId,
                    Failures.describe(bound.cause()));
            return Optional.empty();
        }
        synchronized (this) {
            Channel listener = listeners.get(route);
            if (listener == null && openLines.containsKey(mountId)) {
                listener = bound.channel();
                listeners.put(route, listener);
            } else {
                bound.channel().close();
            }
            return Optional.ofNullable(listener).map(l -> (InetSocketAddress) l.localAddress());
        }
    }

    /** Closes the lines of the mounts that match; their listeners close with the last line. */
    int closeWhere(Predicate<ClientIdentity> which) {
        int closed = 0;
        synchronized (this) {
            for (Deque<Line> lines : idle.values()) {
                for (Line line : lines) {
                    if (which.test(line.identity())) {
                        line.channel().close();
                        closed++;
                    }
                }
            }
        }
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            listeners.values().forEach(Channel::close);
            listeners.clear();
        }
    }

    private synchronized Line take(String mountId) {
        Deque<Line> lines = idle.get(mountId);
        Line line;
        do {
            line = lines == null ? null : lines.poll();
        } while (line != null && !line.channel().isActive());
        return line;
    }

    private void removed(Line line) {
        String mountId = line.identity().mountId();
        synchronized (this) {
            Deque<Line> lines = idle.get(mountId);
            if (lines != null) {
                lines.remove(line);
            }
            if (openLines.merge(mountId, -1, Integer::sum) <= 0) {
                openLines.remove(mountId);
                idle.remove(mountId);
                // Not at once: the instance's next line is usually on its way, and a call may be connecting to the
                // listener right now (closing it would reset that call).
                eventLoops.schedule(() -> closeListenersIfGone(mountId), LISTENER_LINGER.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    private synchronized void closeListenersIfGone(String mountId) {
        if (openLines.containsKey(mountId)) {
            return;
        }
        listeners.entrySet().removeIf(entry -> {
            if (entry.getKey().mountId().equals(mountId)) {
                entry.getValue().close();
                return true;
            }
            return false;
        });
    }

    /** On an idle line: nothing may arrive; its end or close takes the line out of service. */
    private static final class IdleLine extends WaitingLine {

        private final ClientIdentity identity;

        IdleLine(ClientIdentity identity) {
            super("mount " + identity.mountId() + "'s idle callback line");
            this.identity = identity;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            log.warn("closing mount {}'s callback line: it sent data while idle", identity.mountId());
            ctx.close();
        }
    }

    /** On a connection from the node's RPC code: hands it to a line of its mount and relays. */
    private final class Caller extends ChannelInboundHandlerAdapter {

        private final Route route;

        Caller(Route route) {
            this.route = route;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel caller = ctx.channel();
            ctx.pipeline().remove(this);
            Consumer<Line> handOver = line -> handOver(caller, line);
            synchronized (CallbackRoutes.this) {
                Line line = take(route.mountId());
                if (line != null) {
                    handOver.accept(line);
                    return;
                }
                waiting.computeIfAbsent(route.mountId(), id -> new ArrayDeque<>()).add(handOver);
            }
            caller.eventLoop().schedule(() -> {
                boolean stillWaiting;
                synchronized (CallbackRoutes.this) {
                    Deque<Consumer<Line>> callers = waiting.get(route.mountId());
                    stillWaiting = callers != null && callers.remove(handOver);
                }
                if (stillWaiting) {
                    log.warn("no callback line from mount {} within {} s for a call to its {}", route.mountId(),
                            WAIT_FOR_LINE.toSeconds(), route.service());
                    caller.close();
                }
            }, WAIT_FOR_LINE.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void handOver(Channel caller, Line line) {
            // A relay runs on one event loop: move the caller's connection to the line's.
            caller.deregister().addListener(deregistered -> {
                if (!deregistered.isSuccess()) {
                    line.channel().close();
                    caller.close();
                    return;
                }
                line.channel().eventLoop().register(caller).addListener(registered -> {
                    if (registered.isSuccess()) {
                        relay(caller, line);
                    } else {
                        log.warn("cannot relay a callback to mount {}: {}", route.mountId(),
                                Failures.describe(registered.cause()));
                        line.channel().close();
                        caller.close();
                    }
                });
            });
        }

        private void relay(Channel caller, Line line) {
            Channel channel = line.channel();
            channel.config().setAutoRead(false);
            if (channel.pipeline().get(IdleLine.class) != null) {
                channel.pipeline().remove(IdleLine.class);
            }
            channel.writeAndFlush(route.service().encode(channel.alloc()));
            log.debug("calling mount {}'s {} over its callback line {}", route.mountId(), route.service(),
                    channel.remoteAddress());
            Relay.join(caller, "the node's " + route.service() + " caller", channel,
                    "mount " + route.mountId() + "'s callback line",
                    reason -> log.debug("callback to mount {}'s {} ended: {}", route.mountId(), route.service(),
                            reason));
        }
    }
}
