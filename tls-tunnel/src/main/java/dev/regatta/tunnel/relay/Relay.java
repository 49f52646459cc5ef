package dev.regatta.tunnel.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Two connected channels joined into one byte stream each way: what one side reads, the other side writes.
 * <ul>
 *   <li>Backpressure: a side stops reading while the other side's write buffer is above its high water mark and
 *       resumes when it drains, so a slow reader never makes the tunnel buffer without bound.</li>
 *   <li>Half-close: when a side's input ends, the other side's output is shut once everything before it has been
 *       written. On a TLS side, the input ends with the peer's {@code close_notify}, and the output is shut with a
 *       {@code close_notify} followed by a TCP FIN. A TLS stream cut without {@code close_notify} may have been
 *       truncated, so it closes both sides instead.</li>
 *   <li>Both sides close together, once both directions have finished or when either fails or closes.</li>
 * </ul>
 * Both channels must run on the same event loop, which makes every method here single-threaded.
 */
public final class Relay {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final Side first;
    private final Side second;
    private final Consumer<String> onClosed;
    private int outputsShut;
    private String closeReason;

    private Relay(Channel a, String aName, Channel b, String bName, Consumer<String> onClosed) {
        this.first = new Side(a, aName);
        this.second = new Side(b, bName);
        this.onClosed = Objects.requireNonNull(onClosed, "onClosed");
    }

    /**
     * Joins two connected channels and starts reading from both. A channel may carry an {@link EarlyInbound},
     * whose held bytes and end-of-input are forwarded first. Call on the channels' event loop.
     *
     * @param onClosed told once, with the reason, when both channels have been closed
     */
    public static Relay join(Channel a, String aName, Channel b, String bName, Consumer<String> onClosed) {
        if (a.eventLoop() != b.eventLoop()) {
            throw new IllegalArgumentException("the two channels of a relay must share an event loop");
        }
        if (!a.eventLoop().inEventLoop()) {
            throw new IllegalStateException("a relay is joined on its channels' event loop");
        }
        Relay relay = new Relay(a, aName, b, bName, onClosed);
        if (!a.isActive() || !b.isActive()) {
            relay.close0((a.isActive() ? bName : aName) + " closed before the relay started");
            return relay;
        }
        relay.first.install();
        relay.second.install();
        relay.first.replayEarlyInbound();
        relay.second.replayEarlyInbound();
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
        return relay;
    }

    /** Whether neither side has closed yet. Call on the event loop. */
    public boolean isOpen() {
        return closeReason == null;
    }

    /** Closes both sides, from any thread; the reason goes to the close callback unless already closed. */
    public void close(String reason) {
        if (first.channel.eventLoop().inEventLoop()) {
            close0(reason);
        } else {
            first.channel.eventLoop().execute(() -> close0(reason));
        }
    }

    private void close0(String reason) {
        if (closeReason != null) {
            return;
        }
        closeReason = reason;
        first.channel.close();
        second.channel.close();
        onClosed.accept(reason);
    }

    private Side other(Side side) {
        return side == first ? second : first;
    }

    /** Shuts a side's output: a TLS side says {@code close_notify} first, then both send a FIN. */
    private void shutdownOutput(Side side) {
        if (closeReason != null) {
            return;
        }
        SslHandler tls = side.channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            shutdownSocketOutput(side);
        } else {
            tls.closeOutbound().addListener((ChannelFuture notified) -> {
                if (notified.isSuccess()) {
                    shutdownSocketOutput(side);
                } else {
                    close0("cannot end the TLS stream to " + side.name + ": " + Failures.describe(notified.cause()));
                }
            });
        }
    }

    private void shutdownSocketOutput(Side side) {
        ((DuplexChannel) side.channel).shutdownOutput().addListener((ChannelFuture shut) -> {
            if (!shut.isSuccess()) {
                close0("cannot shut the output to " + side.name + ": " + Failures.describe(shut.cause()));
            } else if (++outputsShut == 2) {
                close0("both directions finished");
            }
        });
    }

    /** The handler on one channel: forwards what it reads to the other side. */
    private final class Side extends ChannelInboundHandlerAdapter {

        private final Channel channel;
        private final String name;
        private final boolean tls;
        private final ChannelFutureListener closeOnWriteFailure;
        private boolean inputEnded;
        private ChannelFuture lastWrite;

        Side(Channel channel, String name) {
            this.channel = channel;
            this.name = name;
            this.tls = channel.pipeline().get(SslHandler.class) != null;
            this.closeOnWriteFailure = written -> {
                if (!written.isSuccess()) {
                    close0("cannot write to " + other(this).name + ": " + Failures.describe(written.cause()));
                }
            };
        }

        void install() {
            EarlyInbound early = channel.pipeline().get(EarlyInbound.class);
            if (early == null) {
                channel.pipeline().addLast("relay", this);
            } else {
                channel.pipeline().addBefore(channel.pipeline().context(early).name(), "relay", this);
            }
        }

        void replayEarlyInbound() {
            EarlyInbound early = channel.pipeline().get(EarlyInbound.class);
            if (early == null) {
                return;
            }
            List<Object> held = early.takeAll();
            channel.pipeline().remove(early);
            ChannelHandlerContext ctx = channel.pipeline().context(this);
            for (Object item : held) {
                if (item instanceof ChannelInputShutdownEvent || item instanceof SslCloseCompletionEvent) {
                    userEventTriggered(ctx, item);
                } else {
                    channelRead(ctx, item);
                }
            }
            channelReadComplete(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closeReason != null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            Channel peer = other(this).channel;
            lastWrite = peer.write(msg).addListener(closeOnWriteFailure);
            if (!peer.isWritable()) {
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            other(this).channel.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (channel.isWritable()) {
                other(this).channel.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslCloseCompletionEvent closed) {
                if (closed.isSuccess()) {
                    endInput();
                } else if (closeReason == null) {
                    close0("the TLS stream from " + name + " failed: " + Failures.describe(closed.cause()));
                }
            } else if (evt instanceof ChannelInputShutdownEvent) {
                if (!tls) {
                    endInput();
                } else if (!inputEnded) {
                    close0(name + " ended its TLS stream without close_notify");
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close0(name + " closed the connection");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{} ({}) failed", name, channel, cause);
            close0(name + " failed: " + Failures.describe(cause));
        }

        /** This side sends no more: end the other side's output once what this side sent has been written. */
        private void endInput() {
            if (inputEnded) {
                return;
            }
            inputEnded = true;
            Side peer = other(this);
            peer.channel.flush();
            if (lastWrite == null || lastWrite.isDone()) {
                shutdownOutput(peer);
            } else {
                lastWrite.addListener(written -> shutdownOutput(peer));
            }
        }
    }
}
