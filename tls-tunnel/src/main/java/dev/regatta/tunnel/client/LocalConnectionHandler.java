package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.Relay;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives one local connection (from the NFS client) its TLS connection to the node, then relays between them. If
 * the node stays unreachable, the local connection is closed: the NFS client then reconnects, and the tunnel tries
 * again for the new connection.
 */
final class LocalConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(LocalConnectionHandler.class);

    private final NodeDialer dialer;
    private final int connectAttempts;

    LocalConnectionHandler(NodeDialer dialer, int connectAttempts) {
        this.dialer = dialer;
        this.connectAttempts = connectAttempts;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel local = ctx.channel();
        dialer.dial(local.eventLoop(), connectAttempts, local::isActive).addListener((Future<Channel> dialed) -> {
            if (!dialed.isSuccess()) {
                if (local.isActive()) {
                    log.warn("closing the local connection from {}: {}", local.remoteAddress(),
                            dialed.cause().getMessage());
                    local.close();
                }
                return;
            }
            Channel node = dialed.getNow();
            ctx.pipeline().remove(this);
            log.info("local connection from {} tunnelled to the node {} via {}", local.remoteAddress(),
                    dialer.node(), node.localAddress());
            Relay.join(local, "the local client", node, "the node",
                    reason -> log.info("tunnel for the local connection from {} closed: {}",
                            local.remoteAddress(), reason));
        });
        ctx.fireChannelActive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("local connection from {} failed before its tunnel was ready", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
