package dev.regatta.tunnel.client;

import dev.regatta.tunnel.portmap.PortmapResponder;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.tls.CredentialSource;
import dev.regatta.tunnel.tls.NodeVerification;
import dev.regatta.tunnel.tls.ReloadableSslContext;
import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The instance's end of the tunnel: listens on a loopback address (127.0.0.1 unless told another) for the NFS client
 * and carries each local connection over its own mutual TLS 1.3 connection to the data-plane node, or to whichever
 * member of the file system's replication group leads it (see {@link LocalConnectionHandler}). With
 * {@link Builder#portmapper}, it also answers portmapper/rpcbind calls on that address (see {@link PortmapResponder}).
 *
 * <pre>{@code
 * TunnelClient client = TunnelClient.builder()
 *         .nodes(List.of(new NodeAddress("10.0.0.5", 20490), new NodeAddress("10.0.0.6", 20490)))
 *         .nodeVerification(NodeVerification.hostname())
 *         .credentials(new PemCredentialFiles(key, certificate, caCertificates))
 *         .listenPortRange(20049, 20449)
 *         .start();
 * // mount -t nfs -o port=<client.port()>,... 127.0.0.1:/fs-... /mnt
 * }</pre>
 */
public final class TunnelClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TunnelClient.class);
    /** IPv4 loopback whatever the JVM prefers: the NFS mount names 127.0.0.1. */
    private static final InetAddress LOOPBACK = ipv4Loopback();

    private final EventLoopGroup eventLoops;
    private final Channel serverChannel;
    private final ChannelGroup localConnections;
    private final ReloadableSslContext tls;
    private final Members members;
    private final NodeDialer dialer;
    private volatile PortmapResponder portmapper;
    private volatile ReloadableSslContext callbackTls;
    private volatile CallbackReceiver callbacks;

    private TunnelClient(EventLoopGroup eventLoops, Channel serverChannel, ChannelGroup localConnections,
                         ReloadableSslContext tls, Members members, NodeDialer dialer) {
        this.eventLoops = eventLoops;
        this.serverChannel = serverChannel;
        this.localConnections = localConnections;
        this.tls = tls;
        this.members = members;
        this.dialer = dialer;
    }

    /** The portmapper responder's address (TCP and UDP), if it was asked for. */
    public Optional<InetSocketAddress> portmapperAddress() {
        PortmapResponder responder = portmapper;
        return responder == null ? Optional.empty() : Optional.of(responder.localAddress());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The local address NFS connects to. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    /** Local connections open now, whether tunnelled already or still reaching the node. */
    public int openConnections() {
        return localConnections.size();
    }

    /**
     * Whether a tunnel connection could be made now: the client certificate is still valid, and a TLS handshake
     * with a member completes (each member tried once, within the connect timeout). Completes exceptionally with the
     * reason. In TLS 1.3 the node judges the client certificate after the client's handshake completes, so a node
     * that refuses this mount (or a follower) still passes; the certificate's own expiry, the usual cause, is checked
     * here.
     */
    public CompletableFuture<Void> checkHealth() {
        CompletableFuture<Void> health = new CompletableFuture<>();
        X509Certificate certificate = tls.credentials().certificate();
        if (!certificate.getNotAfter().toInstant().isAfter(Instant.now())) {
            health.completeExceptionally(new IOException("the client certificate expired at "
                    + certificate.getNotAfter().toInstant()));
            return health;
        }
        MemberSearch search = new MemberSearch(members, dialer, MemberSearch.Limits.oneRound(), eventLoops.next(),
                () -> true);
        search.next().addListener((Future<MemberSearch.Found> dialed) -> {
            if (dialed.isSuccess()) {
                dialed.getNow().channel().close();
                health.complete(null);
            } else {
                health.completeExceptionally(dialed.cause());
            }
        });
        return health;
    }

    /**
     * Reads the credentials again (a renewed client certificate) for connections made from now on; open
     * connections keep theirs. On failure the previous credentials stay in use.
     */
    public void reloadCredentials() throws IOException, GeneralSecurityException {
        tls.reload();
        if (callbackTls != null) {
            callbackTls.reload();
        }
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for an address of the wrong length
        }
    }

    /** Stops listening, closes every connection and releases the threads. */
    @Override
    public void close() {
        if (portmapper != null) {
            portmapper.close();
        }
        if (callbacks != null) {
            callbacks.close();
        }
        serverChannel.close().syncUninterruptibly();
        localConnections.close().awaitUninterruptibly();
        eventLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        log.info("TLS tunnel client on {} stopped", serverChannel.localAddress());
    }

    /**
     * The client's configuration; {@link #node} (or {@link #nodes}), {@link #credentials} and
     * {@link #nodeVerification} are required. By default it listens on the first free port of 20049-20449, and holds
     * a local connection for up to a minute while no node takes it.
     */
    public static final class Builder {

        private List<NodeAddress> nodes;
        private CredentialSource credentials;
        private NodeVerification verification;
        private int firstListenPort = 20049;
        private int lastListenPort = 20449;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration holdTime = Duration.ofSeconds(60);
        /** Null: 4 with a single node, as before replication groups; no limit with several. */
        private Integer connectAttempts;
        private Duration retryBackoff = Duration.ofMillis(250);
        private int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        private InetAddress listenAddress = LOOPBACK;
        private boolean portmapper;
        private int portmapperPort;
        private InetSocketAddress localPortmapper;

        private Builder() {
        }

        /** The node's TLS address, as the control plane gave it ({@code nodeAddress}): the only node to connect to. */
        public Builder node(String host, int port) {
            return nodes(List.of(new NodeAddress(host, port)));
        }

        /**
         * The TLS addresses of the replication group's members ({@code memberAddresses}), the likely leader first. A
         * new connection tries the member that last took one first, then the others in this order.
         */
        public Builder nodes(List<NodeAddress> members) {
            this.nodes = Members.checked(members);
            return this;
        }

        /** The mount's key and client certificate, and the CA certificates the node's certificate must chain to. */
        public Builder credentials(CredentialSource source) {
            this.credentials = source;
            return this;
        }

        /** How the node's certificate is matched to the node meant: by node ID or by host name. */
        public Builder nodeVerification(NodeVerification verification) {
            this.verification = verification;
            return this;
        }

        /**
         * The address to listen on (default 127.0.0.1). mount.regatta gives each mount its own address of
         * 127.0.77.0/24, so that the kernel's lock client, which asks rpcbind at the server's address, reaches this
         * tunnel's portmapper rather than the machine's own rpcbind.
         */
        public Builder listenAddress(InetAddress address) {
            this.listenAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Also answer portmapper/rpcbind calls on the listen address (IPv4 only), at {@code port} for TCP and UDP
         * (0: a free one): every program served through the tunnel (NFS 3, MOUNT 3, NLM 4, NSM 1) is on the tunnel's
         * port over TCP.
         */
        public Builder portmapper(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("bad portmapper port " + port);
            }
            this.portmapper = true;
            this.portmapperPort = port;
            return this;
        }

        /**
         * Let the node call the machine's lock manager and status monitor back (NLM GRANTED for a blocked lock that
         * was granted, SM_NOTIFY after the node restarted): the client keeps a callback line open to the node and
         * passes each call to the service, which it finds through the machine's rpcbind at 127.0.0.1:111. The calls
         * come from the listen address, the address the kernel knows the server by.
         */
        public Builder callbacks() {
            return callbacks(LocalServices.standardPortmapper());
        }

        /** {@link #callbacks()} with the machine's rpcbind elsewhere (tests). */
        public Builder callbacks(InetSocketAddress localPortmapper) {
            this.localPortmapper = Objects.requireNonNull(localPortmapper, "localPortmapper");
            return this;
        }

        /** Listen on exactly this port of the listen address (0 picks any free one). */
        public Builder listenPort(int port) {
            return listenPortRange(port, port);
        }

        /** Listen on the first free port of this range of the listen address. */
        public Builder listenPortRange(int first, int last) {
            if (first < 0 || last > 65535 || first > last) {
                throw new IllegalArgumentException("bad port range " + first + "-" + last);
            }
            this.firstListenPort = first;
            this.lastListenPort = last;
            return this;
        }

        /** How long one connection attempt (TCP connect, then TLS handshake) may take. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How long a new local connection is held open, its bytes waiting, while no node takes it: rounds over the
         * nodes go on until one fails after this time, then the local connection is closed (the NFS client then
         * reconnects). Long enough for a failover by default: 60 s.
         */
        public Builder holdTime(Duration hold) {
            if (hold.isNegative()) {
                throw new IllegalArgumentException("the hold time cannot be negative: " + hold);
            }
            this.holdTime = hold;
            return this;
        }

        /**
         * At most this many rounds over the nodes (each node tried once; with one node, attempts) per local
         * connection, even within the hold time. By default 4 with a single node, as before replication groups, and
         * no limit with several: the hold time decides.
         */
        public Builder connectAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("connect attempts must be at least 1");
            }
            this.connectAttempts = attempts;
            return this;
        }

        /** The wait after the first round that failed; it doubles for each further one (at most 5 s). */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            this.threads = threads;
            return this;
        }

        /**
         * Loads the credentials and starts listening.
         *
         * @throws IOException when the credentials cannot be read or no port of the range is free
         */
        public TunnelClient start() throws IOException, GeneralSecurityException {
            Objects.requireNonNull(nodes, "node address");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(verification, "node verification");
            Members members = new Members(nodes);
            if (nodes.size() > 1 && verification.namesOneNode()) {
                throw new IllegalArgumentException("a node ID names one node, but there are " + nodes.size()
                        + " node addresses (" + members + "): verify each member's certificate by the address it is "
                        + "reached at (NodeVerification.hostname()) instead");
            }
            if (portmapper && !(listenAddress instanceof Inet4Address)) {
                throw new IllegalArgumentException("the portmapper needs an IPv4 listen address, not "
                        + listenAddress.getHostAddress());
            }
            NodeVerification nodeVerification = verification;
            ReloadableSslContext tls = new ReloadableSslContext("tunnel client", credentials,
                    loaded -> TlsContexts.client(loaded, nodeVerification, TlsContexts.TUNNEL_PROTOCOL));
            NodeDialer dialer = new NodeDialer(tls, TlsContexts.TUNNEL_PROTOCOL, connectTimeout);
            int rounds = connectAttempts != null ? connectAttempts : nodes.size() == 1 ? 4 : Integer.MAX_VALUE;
            MemberSearch.Limits limits = new MemberSearch.Limits(holdTime, rounds, retryBackoff);
            ChannelGroup localConnections = new DefaultChannelGroup("tunnel-client", GlobalEventExecutor.INSTANCE);
            EventLoopGroup eventLoops = Transport.eventLoops("regatta-tunnel-client", threads);
            ServerBootstrap bootstrap = Transport.server(eventLoops)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            localConnections.add(channel);
                            channel.pipeline().addLast(new LocalConnectionHandler(members, dialer, limits));
                        }
                    });
            Channel serverChannel;
            try {
                serverChannel = bindFirstFree(bootstrap);
            } catch (IOException e) {
                eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
            TunnelClient client = new TunnelClient(eventLoops, serverChannel, localConnections, tls, members, dialer);
            if (portmapper) {
                try {
                    client.portmapper = PortmapResponder.start(eventLoops, (Inet4Address) listenAddress,
                            portmapperPort, client.port());
                } catch (IOException e) {
                    client.close();
                    throw e;
                }
            }
            if (localPortmapper != null) {
                try {
                    client.callbackTls = new ReloadableSslContext("callback line", credentials,
                            loaded -> TlsContexts.client(loaded, nodeVerification, TlsContexts.CALLBACK_PROTOCOL));
                } catch (IOException | GeneralSecurityException | RuntimeException e) {
                    client.close();
                    throw e;
                }
                client.callbacks = new CallbackReceiver(members, new NodeDialer(client.callbackTls,
                        TlsContexts.CALLBACK_PROTOCOL, connectTimeout), eventLoops, listenAddress,
                        new LocalServices(localPortmapper, connectTimeout));
                client.callbacks.start();
                log.info("TLS tunnel client passes the node's lock callbacks to this machine's services "
                        + "(rpcbind at {}), calling from {}", localPortmapper, listenAddress.getHostAddress());
            }
            log.info("TLS tunnel client listening on {}, tunnelling to {} ({}); a new connection waits up to {} s for "
                    + "a node to take it; TLS by {}", client.localAddress(), nodes.size() == 1
                    ? "the node " + members : "the leader among " + members, nodeVerification,
                    holdTime.toSeconds(), TlsContexts.engine());
            return client;
        }

        private Channel bindFirstFree(ServerBootstrap bootstrap) throws IOException {
            Throwable lastFailure = null;
            for (int port = firstListenPort; port <= lastListenPort; port++) {
                ChannelFuture bound = bootstrap.bind(new InetSocketAddress(listenAddress, port))
                        .awaitUninterruptibly();
                if (bound.isSuccess()) {
                    return bound.channel();
                }
                lastFailure = bound.cause();
            }
            throw new IOException("no free port on " + listenAddress.getHostAddress() + " in " + firstListenPort + "-"
                    + lastListenPort + ": " + lastFailure.getMessage(), lastFailure);
        }
    }
}
