package dev.regatta.tunnel.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
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
 *       written. A plain side ends with a TCP FIN. A TLS side carries {@link StreamFraming}: its stream ends with
 *       the framing's end marker, inside TLS, and the TLS connection itself stays up until both directions are
 *       done. A TLS side that closes before it ended its stream may have been cut short, so both sides close.</li>
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

    /** Shuts a side's output: the framing's end marker on a TLS side, a TCP FIN on a plain one. */
    private void shutdownOutput(Side side) {
        if (closeReason != null) {
            return;
        }
        if (side.framed) {
            side.channel.writeAndFlush(StreamFraming.END_OF_STREAM).addListener((ChannelFuture sent) -> {
                if (!sent.isSuccess()) {
                    close0("cannot end the stream to " + side.name + ": " + Failures.describe(sent.cause()));
                } else {
                    outputShut();
                }
            });
        } else {
            shutdownSocketOutput(side);
        }
    }

    private void outputShut() {
        if (++outputsShut == 2) {
            close0("both directions finished");
        }
    }

    private void shutdownSocketOutput(Side side) {
        ((DuplexChannel) side.channel).shutdownOutput().addListener((ChannelFuture shut) -> {
            if (!shut.isSuccess()) {
                close0("cannot shut the output to " + side.name + ": " + Failures.describe(shut.cause()));
            } else {
                outputShut();
            }
        });
    }

    /** The handler on one channel: forwards what it reads to the other side. */
    private final class Side extends ChannelInboundHandlerAdapter {

        private final Channel channel;
        private final String name;
        private final boolean framed;
        private final ChannelFutureListener closeOnWriteFailure;
        private boolean inputEnded;
        private ChannelFuture lastWrite;

        Side(Channel channel, String name) {
            this.channel = channel;
            this.name = name;
            this.framed = channel.pipeline().get(StreamFraming.class) != null;
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
                if (EarlyInbound.isEvent(item)) {
                    userEventTriggered(ctx, item);
                } else {
                    channelRead(ctx, item);
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closeReason != null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            Channel peer = other(this).channel;
            // Flushed at once, not at channelReadComplete: a read loop goes on while reads fill their buffers, so a
            // 1 MiB NFS reply would be read whole before its first byte moved on (and TLS encrypts only on a
            // flush); passed on read by read, the next hop works on it while this one reads the rest.
            lastWrite = peer.writeAndFlush(msg).addListener(closeOnWriteFailure);
            if (!peer.isWritable()) {
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (channel.isWritable()) {
                other(this).channel.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == StreamFraming.END_OF_STREAM) {
                endInput();
            } else if (evt instanceof SslCloseCompletionEvent || evt instanceof ChannelInputShutdownEvent) {
                if (!framed) {
                    endInput();
                } else if (!inputEnded) {
                    close0(name + " closed the connection before it ended its stream");
                }
                // A framed side that ended its stream and now closes: its channelInactive follows.
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            String reason = name + " closed the connection";
            if (inputEnded && lastWrite != null && !lastWrite.isDone()) {
                // What it sent before it ended its stream is still being written to the other side.
                lastWrite.addListener(written -> close0(reason));
            } else {
                close0(reason);
            }
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
