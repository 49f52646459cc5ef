package dev.regatta.tunnel.server;

import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.StreamFraming;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.tls.CredentialSource;
import dev.regatta.tunnel.tls.ReloadableSslContext;
import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The data-plane node's end of the tunnel: accepts mutual TLS 1.3 connections from mounts, admits them, and
 * forwards each admitted one over its own plain TCP connection to the backend (the NFS server on loopback). A mount
 * with locks also keeps a callback line open, over which the node calls the instance back
 * ({@link #callbackAddress}, {@link CallbackRoutes}).
 *
 * <pre>{@code
 * TunnelServer server = TunnelServer.builder()
 *         .listen(new InetSocketAddress(20490))
 *         .backend(new InetSocketAddress(InetAddress.getLoopbackAddress(), 2049))
 *         .credentials(new PemCredentialFiles(key, certificate, caCertificates))
 *         .admission((identity, remote) -> CompletableFuture.completedFuture(
 *                 grants.contains(identity.grantId()) ? Optional.empty() : Optional.of("grant revoked")))
 *         .listener(connectionMap)
 *         .start();
 * }</pre>
 */
public final class TunnelServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TunnelServer.class);

    private final EventLoopGroup eventLoops;
    private final Channel serverChannel;
    private final ChannelGroup allChannels;
    private final ReloadableSslContext tls;
    private final OpenConnections openConnections;
    private final CallbackRoutes callbackRoutes;
    private final Refusals refusals;

    private TunnelServer(EventLoopGroup eventLoops, Channel serverChannel, ChannelGroup allChannels,
                         ReloadableSslContext tls, OpenConnections openConnections, CallbackRoutes callbackRoutes,
                         Refusals refusals) {
        this.eventLoops = eventLoops;
        this.serverChannel = serverChannel;
        this.allChannels = allChannels;
        this.tls = tls;
        this.openConnections = openConnections;
        this.callbackRoutes = callbackRoutes;
        this.refusals = refusals;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address the server listens on, with the actual port when it was asked to pick one. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    /**
     * Reads the credentials again (a renewed node certificate, a new CA bundle) for connections accepted from now
     * on; open connections keep theirs. On failure the previous credentials stay in use.
     */
    public void reloadCredentials() throws IOException, GeneralSecurityException {
        tls.reload();
    }

    /** The admitted connections open now. */
    public List<TunnelConnection> connections() {
        return openConnections.list();
    }

    /**
     * Connections refused since the server started, by reason (every reason present, most at 0), for metrics: the
     * log shows at most one refusal per source address per minute.
     */
    public Map<RefusalReason, Long> refusals() {
        return refusals.counts();
    }

    /**
     * Closes every admitted connection whose mount matches, e.g. those of a revoked grant or of an expired
     * certificate.
     *
     * @param reason for the log, e.g. "grant revoked"
     * @return how many connections are being closed
     */
    public int closeWhere(Predicate<ClientIdentity> which, String reason) {
        callbackRoutes.closeWhere(which);
        int closed = openConnections.closeWhere(which, "closed by the server: " + reason);
        if (closed > 0) {
            log.info("closing {} tunnel connection(s): {}", closed, reason);
        }
        return closed;
    }

    /**
     * Where the node's RPC code connects to call {@code program} {@code version} (NLM v4 or NSM v1) of a mount's
     * instance, over the callback line the mount keeps open (see {@link CallbackRoutes}): a TCP address on loopback,
     * good while the mount keeps a line. Empty when the mount has no line open.
     */
    public Optional<InetSocketAddress> callbackAddress(String mountId, int program, int version) {
        return callbackRoutes.address(mountId, program, version);
    }

    /** Stops listening, closes every connection and releases the threads. */
    @Override
    public void close() {
        callbackRoutes.close();
        serverChannel.close().syncUninterruptibly();
        allChannels.close().awaitUninterruptibly();
        eventLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        log.info("TLS tunnel server on {} stopped", serverChannel.localAddress());
    }

    /** The server's configuration; {@link #listen}, {@link #backend} and {@link #credentials} are required. */
    public static final class Builder {

        private InetSocketAddress listen;
        private InetSocketAddress backend;
        private CredentialSource credentials;
        private Admission admission = Admission.admitAll();
        private TunnelListener listener = new TunnelListener() {
        };
        private int threads = Runtime.getRuntime().availableProcessors();
        private SslProvider provider;

        private Builder() {
        }

        /** Where to accept mounts' connections; port 0 picks a free port ({@link TunnelServer#port()}). */
        public Builder listen(InetSocketAddress address) {
            this.listen = address;
            return this;
        }

        /** Where admitted connections are forwarded to, in plain TCP. */
        public Builder backend(InetSocketAddress address) {
            this.backend = address;
            return this;
        }

        /** The node's key, certificate chain, and the CA certificates mounts' certificates must chain to. */
        public Builder credentials(CredentialSource source) {
            this.credentials = source;
            return this;
        }

        /** Decides on each verified mount; by default every verified mount is admitted. */
        public Builder admission(Admission admission) {
            this.admission = Objects.requireNonNull(admission, "admission");
            return this;
        }

        public Builder listener(TunnelListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Network threads; each connection pair stays on one. Defaults to one per processor. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            this.threads = threads;
            return this;
        }

        /** The TLS implementation to use instead of the best one available here (tests check both). */
        Builder tlsProvider(SslProvider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Loads the credentials and starts listening.
         *
         * @throws IOException when the credentials cannot be read or the address cannot be bound
         */
        public TunnelServer start() throws IOException, GeneralSecurityException {
            Objects.requireNonNull(listen, "listen address");
            Objects.requireNonNull(backend, "backend address");
            Objects.requireNonNull(credentials, "credentials");
            ReloadableSslContext tls = new ReloadableSslContext("tunnel server", credentials,
                    provider == null ? TlsContexts::server : loaded -> TlsContexts.server(loaded, provider));
            OpenConnections openConnections = new OpenConnections();
            ChannelGroup allChannels = new DefaultChannelGroup("tunnel-server", GlobalEventExecutor.INSTANCE);
            EventLoopGroup eventLoops = Transport.eventLoops("regatta-tunnel-server", threads);
            CallbackRoutes callbackRoutes = new CallbackRoutes(eventLoops);
            Refusals refusals = new Refusals(Clock.systemUTC());
            ChannelFuture bound = Transport.server(eventLoops)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            allChannels.add(channel);
                            channel.pipeline().addLast(
                                    Transport.tls(tls.current().newHandler(channel.alloc())),
                                    new StreamFraming(),
                                    new ServerConnectionHandler(backend, admission, listener, openConnections,
                                            callbackRoutes, refusals, Clock.systemUTC()),
                                    new EarlyInbound());
                        }
                    })
                    .bind(listen)
                    .awaitUninterruptibly();
            if (!bound.isSuccess()) {
                eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new IOException("cannot listen on " + listen + ": " + bound.cause().getMessage(), bound.cause());
            }
            TunnelServer server = new TunnelServer(eventLoops, bound.channel(), allChannels, tls, openConnections,
                    callbackRoutes, refusals);
            log.info("TLS tunnel server listening on {}, forwarding admitted mounts to {}; TLS by {}",
                    server.localAddress(), backend, provider == null ? TlsContexts.engine() : provider);
            return server;
        }
    }
}
