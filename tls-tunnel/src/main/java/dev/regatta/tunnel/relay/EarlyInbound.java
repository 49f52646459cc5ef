package dev.regatta.tunnel.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds what a TLS connection delivers before its relay exists. A TLS record that completes the handshake can carry
 * the first application bytes, and a quick client may even have ended its input, while the server is still
 * admitting it and connecting the backend. {@link Relay#join} replays what was held, in order. The amount is
 * bounded: nothing asks to read once the handshake is over, so this is at most the rest of one read.
 * It sits after {@link StreamFraming}, so what it holds is stream bytes and the end of the stream.
 * A failure before the relay exists closes the connection; whoever waits for the handshake learns why from it.
 */
public final class EarlyInbound extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(EarlyInbound.class);

    private final List<Object> held = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (isEvent(evt)) {
            held.add(evt);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} failed before its relay started", ctx.channel(), cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Whatever was not taken by a relay dies with the connection.
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }

    /** The events a relay acts on: the end of the peer's stream, of its TLS connection, of its socket's input. */
    static boolean isEvent(Object item) {
        return item == StreamFraming.END_OF_STREAM || item instanceof ChannelInputShutdownEvent
                || item instanceof SslCloseCompletionEvent;
    }

    /** Whether nothing has arrived since the handshake. */
    public boolean isEmpty() {
        return held.isEmpty();
    }

    List<Object> takeAll() {
        List<Object> taken = new ArrayList<>(held);
        held.clear();
        return taken;
    }
}
