package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.Failures;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Opens TLS connections to the node: connect, handshake with the current credentials, and retry a few times with
 * exponential backoff, since a node restarting or a file system moving to another node makes the first tries fail.
 */
final class NodeDialer {

    private static final Logger log = LoggerFactory.getLogger(NodeDialer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final ReloadableSslContext tls;
    private final String protocol;
    private final String host;
    private final int port;
    private final Duration connectTimeout;
    private final Duration firstBackoff;

    /** @param protocol what {@code tls} names in ALPN, which the node must select */
    NodeDialer(ReloadableSslContext tls, String protocol, String host, int port, Duration connectTimeout,
               Duration firstBackoff) {
        this.tls = tls;
        this.protocol = protocol;
        this.host = host;
        this.port = port;
        this.connectTimeout = connectTimeout;
        this.firstBackoff = firstBackoff;
    }

    String node() {
        return host + ":" + port;
    }

    /**
     * A connection whose handshake has completed, not reading yet. Fails after {@code attempts} tries, or as soon
     * as {@code wanted} turns false (the local connection it was for has gone).
     */
    Future<Channel> dial(EventLoop loop, int attempts, BooleanSupplier wanted) {
        Promise<Channel> result = loop.newPromise();
        attempt(loop, 1, attempts, wanted, result);
        return result;
    }

    private void attempt(EventLoop loop, int attempt, int attempts, BooleanSupplier wanted, Promise<Channel> result) {
        if (!wanted.getAsBoolean()) {
            result.tryFailure(new IOException("no longer needed"));
            return;
        }
        SslContext context = tls.current();
        Transport.client(loop, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        SslHandler handler = Transport.tls(context.newHandler(channel.alloc(), host, port));
                        handler.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                        channel.pipeline().addLast(handler, new StreamFraming(), new EarlyInbound());
                    }
                })
                .connect(host, port)
                .addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        retryOrFail(loop, attempt, attempts, wanted, result, connected.cause());
                        return;
                    }
                    Channel channel = connected.channel();
                    // Nothing reads by itself (backpressure); the handshake needs this first read.
                    channel.read();
                    channel.pipeline().get(SslHandler.class).handshakeFuture().addListener(handshake -> {
                        if (!handshake.isSuccess()) {
                            channel.close();
                            retryOrFail(loop, attempt, attempts, wanted, result, handshake.cause());
                        } else if (!protocol.equals(channel.pipeline().get(SslHandler.class).applicationProtocol())) {
                            channel.close();
                            result.tryFailure(new IOException("the node " + node() + " does not speak "
                                    + protocol + " (a node of another Regatta version?)"));
                        } else if (!wanted.getAsBoolean()) {
                            channel.close();
                            result.tryFailure(new IOException("no longer needed"));
                        } else if (!result.trySuccess(channel)) {
                            channel.close();
                        }
                    });
                });
    }

    private void retryOrFail(EventLoop loop, int attempt, int attempts, BooleanSupplier wanted,
                             Promise<Channel> result, Throwable cause) {
        String reason = Failures.describe(cause);
        if (attempt >= attempts || !wanted.getAsBoolean()) {
            result.tryFailure(new IOException("cannot connect to the node " + node() + " (" + attempt + " attempt"
                    + (attempt == 1 ? "" : "s") + "): " + reason, cause));
            return;
        }
        long delayMillis = Math.min(MAX_BACKOFF.toMillis(), firstBackoff.toMillis() << (attempt - 1));
        log.warn("cannot connect to the node {} (attempt {} of {}): {}; retrying in {} ms", node(), attempt, attempts,
                reason, delayMillis);
        loop.schedule(() -> attempt(loop, attempt + 1, attempts, wanted, result), delayMillis, TimeUnit.MILLISECONDS);
    }
}
