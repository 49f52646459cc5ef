package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.StreamFraming;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.tls.ReloadableSslContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.time.Duration;

/**
 * Opens one TLS connection to one node: connect, handshake with the current credentials (the node's certificate is
 * checked against that node's own address under hostname verification), and check that the node speaks the protocol
 * asked for. Which node to try, and what to do when it fails, is {@link MemberSearch}'s.
 */
final class NodeDialer {

    private final ReloadableSslContext tls;
    private final String protocol;
    private final Duration connectTimeout;

    /** @param protocol what {@code tls} names in ALPN, which the node must select */
    NodeDialer(ReloadableSslContext tls, String protocol, Duration connectTimeout) {
        this.tls = tls;
        this.protocol = protocol;
        this.connectTimeout = connectTimeout;
    }

    /**
     * A connection to {@code node} whose handshake has completed, not reading yet, with what the node sent right
     * after the handshake held by its {@link EarlyInbound}. Fails with the reason the connection could not be made.
     */
    Future<Channel> connect(EventLoop loop, NodeAddress node) {
        Promise<Channel> result = loop.newPromise();
        SslContext context = tls.current();
        Transport.client(loop, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        SslHandler handler = Transport.tls(context.newHandler(channel.alloc(), node.host(),
                                node.port()));
                        handler.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                        channel.pipeline().addLast(handler, new StreamFraming(), new EarlyInbound());
                    }
                })
                .connect(node.host(), node.port())
                .addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        result.tryFailure(connected.cause());
                        return;
                    }
                    Channel channel = connected.channel();
                    // Nothing reads by itself (backpressure); the handshake needs this first read.
                    channel.read();
                    channel.pipeline().get(SslHandler.class).handshakeFuture().addListener(handshake -> {
                        if (!handshake.isSuccess()) {
                            channel.close();
                            result.tryFailure(handshake.cause());
                        } else if (!protocol.equals(channel.pipeline().get(SslHandler.class).applicationProtocol())) {
                            channel.close();
                            result.tryFailure(new IOException("it does not speak " + protocol
                                    + " (a node of another Regatta version?)"));
                        } else if (!result.trySuccess(channel)) {
                            channel.close();
                        }
                    });
                });
        return result;
    }
}
