package dev.regatta.tunnel.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a callback line while it waits to be used, at either end: the peer's end of the line (its stream, its TLS or its
 * socket) or a failure closes it, since an ended line can never carry a call. What arrives on it is the subclass's.
 */
public abstract class WaitingLine extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(WaitingLine.class);

    private final String description;

    /** @param description for the log, e.g. "mount m-1's idle callback line" */
    protected WaitingLine(String description) {
        this.description = description;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (EarlyInbound.isEvent(evt)) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} failed", description, cause);
        ctx.close();
    }
}
