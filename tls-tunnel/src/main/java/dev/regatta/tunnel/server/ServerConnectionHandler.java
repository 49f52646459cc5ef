package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.relay.Failures;
import dev.regatta.tunnel.relay.Relay;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.tls.RefusedClientCertificate;
import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Takes one client connection from a finished TLS handshake to a running relay: reads the mount's identity from its
 * verified certificate, asks the {@link Admission}, opens the backend connection, tells the {@link TunnelListener},
 * and only then joins the two. A refusal at any step closes the connection and is counted and logged
 * ({@link Refusals}).
 */
final class ServerConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ServerConnectionHandler.class);
    private static final int BACKEND_CONNECT_TIMEOUT_MILLIS = 5_000;

    private final InetSocketAddress backend;
    private final Admission admission;
    private final TunnelListener listener;
    private final OpenConnections openConnections;
    private final CallbackRoutes callbackRoutes;
    private final Refusals refusals;
    private final Clock clock;

    ServerConnectionHandler(InetSocketAddress backend, Admission admission, TunnelListener listener,
                            OpenConnections openConnections, CallbackRoutes callbackRoutes, Refusals refusals,
                            Clock clock) {
        this.backend = backend;
        this.refusals = refusals;
        this.admission = admission;
        this.listener = listener;
        this.openConnections = openConnections;
        this.callbackRoutes = callbackRoutes;
        this.clock = clock;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Nothing reads by itself (backpressure); the handshake needs this first read, the relay does the rest.
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                admit(ctx);
            } else {
                handshakeFailed(ctx, handshake.cause());
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed handshake also arrives here; it has been reported through its completion event.
        log.debug("connection from {} failed before its relay started", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        if (cause instanceof ClosedChannelException) {
            // A port probe or a client that gave up: nothing was refused.
            log.debug("{} closed the connection during the TLS handshake", remote);
            ctx.close();
        } else {
            refuse(ctx, handshakeRefusal(cause), "TLS handshake failed: " + Failures.describe(cause));
        }
    }

    /**
     * Why the handshake failed, for the counters: the trust manager's verdict on the certificate, or no certificate
     * at all (BoringSSL's and the JDK's words for it), or anything else.
     */
    private static RefusalReason handshakeRefusal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RefusedClientCertificate refused) {
                return RefusalReason.of(refused.reason());
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
                    || message.contains("Empty client certificate chain")) {
                return RefusalReason.NO_CERTIFICATE;
            }
        }
        return RefusalReason.HANDSHAKE_FAILED;
    }

    private void admit(ChannelHandlerContext ctx) {
        Channel inbound = ctx.channel();
        InetSocketAddress remote = (InetSocketAddress) inbound.remoteAddress();
        ClientIdentity identity;
        try {
            identity = ClientIdentity.fromCertificate(peerCertificate(inbound));
        } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
            // The trust manager has checked the names; a resumed session skips it.
            refuse(ctx, RefusalReason.NOT_A_MOUNT_CERTIFICATE, e.getMessage());
            return;
        }
        String protocol = inbound.pipeline().get(SslHandler.class).applicationProtocol();
        boolean callbackLine = TlsContexts.CALLBACK_PROTOCOL.equals(protocol);
        if (!callbackLine && !TlsContexts.TUNNEL_PROTOCOL.equals(protocol)) {
            refuse(ctx, RefusalReason.WRONG_PROTOCOL, "mount " + identity.mountId() + " speaks "
                    + (protocol == null ? "no tunnel protocol" : "the tunnel protocol " + protocol) + ", not "
                    + TlsContexts.TUNNEL_PROTOCOL + " (a tunnel client of another Regatta version?)");
            return;
        }
        Instant now = clock.instant();
        if (!identity.notAfter().isAfter(now)) {
            // A resumed TLS session skips certificate verification; its certificate may have expired since.
            refuse(ctx, RefusalReason.CERTIFICATE_EXPIRED, "the client certificate of mount " + identity.mountId()
                    + " expired at " + identity.notAfter());
            return;
        }
        CompletionStage<Optional<String>> decision;
        try {
            decision = admission.refusal(identity, remote);
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        decision.whenComplete((refusal, failure) -> inbound.eventLoop().execute(() -> {
            if (!inbound.isActive()) {
                log.debug("mount {} from {} closed its connection while it was being admitted",
                        identity.mountId(), remote);
                return;
            }
            Optional<String> reason = refusal;
            if (failure != null) {
                // The refusal below is the operator's line; the stack is for whoever debugs the admission.
                log.debug("the admission check of mount {} from {} failed", identity.mountId(), remote, failure);
                reason = Optional.of("the admission check failed: " + failure);
            }
            if (reason.isPresent()) {
                refuse(ctx, RefusalReason.NOT_ADMITTED, "mount " + identity.mountId() + " of "
                        + identity.fileSystemId() + " (grant " + identity.grantId() + ", " + identity.principalArn()
                        + ") is not admitted: " + reason.get());
            } else if (callbackLine) {
                ctx.pipeline().remove(this);
                callbackRoutes.add(identity, inbound);
            } else {
                connectBackend(ctx, identity, remote);
            }
        }));
    }

    private void connectBackend(ChannelHandlerContext ctx, ClientIdentity identity, InetSocketAddress remote) {
        Channel inbound = ctx.channel();
        // The same event loop as the client's connection: the relay between them is then single-threaded.
        Transport.client(inbound.eventLoop(), BACKEND_CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(backend)
                .addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        log.warn("closing mount {}'s connection from {}: cannot connect to the backend {}: {}",
                                identity.mountId(), remote, backend, Failures.describe(connected.cause()));
                        inbound.close();
                    } else if (!inbound.isActive()) {
                        connected.channel().close();
                    } else {
                        startRelay(ctx, identity, remote, connected.channel());
                    }
                });
    }

    private void startRelay(ChannelHandlerContext ctx, ClientIdentity identity, InetSocketAddress remote,
                            Channel backendChannel) {
        InetSocketAddress backendLocal = (InetSocketAddress) backendChannel.localAddress();
        TunnelConnection connection = new TunnelConnection(identity, remote, backendLocal, clock.instant());
        try {
            listener.opened(identity, backendLocal, remote);
        } catch (RuntimeException e) {
            log.error("closing mount {}'s connection from {}: the listener failed on its opening",
                    identity.mountId(), remote, e);
            backendChannel.close();
            ctx.close();
            return;
        }
        log.info("mount {} ({}, {}, grant {}, {}) connected from {} as backend connection {}", identity.mountId(),
                identity.fileSystemId(), identity.access(), identity.grantId(), identity.principalArn(), remote,
                backendLocal);
        ctx.pipeline().remove(this);
        Relay relay = Relay.join(ctx.channel(), "the client", backendChannel, "the backend",
                reason -> closed(connection, reason));
        if (relay.isOpen()) {
            openConnections.add(connection, relay);
        }
    }

    private void closed(TunnelConnection connection, String reason) {
        openConnections.remove(connection);
        ClientIdentity identity = connection.identity();
        log.info("mount {} disconnected from {} after {} s: {}", identity.mountId(), connection.remote(),
                Duration.between(connection.openedAt(), clock.instant()).toSeconds(), reason);
        try {
            listener.closed(identity, connection.backendLocalAddress(), connection.remote());
        } catch (RuntimeException e) {
            log.error("the listener failed on the closing of mount {}'s connection", identity.mountId(), e);
        }
    }

    private void refuse(ChannelHandlerContext ctx, RefusalReason kind, String reason) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        refusals.refused(remote, kind, reason);
        ctx.close();
        try {
            listener.refused(remote, reason);
        } catch (RuntimeException e) {
            log.error("the listener failed on a refusal", e);
        }
    }

    private static X509Certificate peerCertificate(Channel channel) throws SSLPeerUnverifiedException {
        return (X509Certificate) channel.pipeline().get(SslHandler.class).engine().getSession()
                .getPeerCertificates()[0];
    }
}
