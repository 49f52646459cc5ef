package dev.regatta.dataplane.front;

import dev.regatta.dataplane.node.GrantBook;
import dev.regatta.dataplane.node.IdentityFiles;
import dev.regatta.tunnel.CertifiedAccess;
import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.server.RefusalReason;
import dev.regatta.tunnel.server.TunnelListener;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.tls.PemCredentialFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The node's public port: mutual TLS with certificates of the control plane's CA, each admitted connection relayed
 * to the plain NFS port on loopback and registered in {@link TunnelledConnections}, where {@link CertificatePolicy}
 * finds who it is. Connections whose grant is gone or whose certificate expired are closed by a periodic sweep, so
 * that the client's tunnel reconnects with its renewed certificate or stops.
 */
public final class TlsFront implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TlsFront.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

    private final TunnelServer server;
    private final ScheduledExecutorService sweeper;

    private TlsFront(TunnelServer server, ScheduledExecutorService sweeper) {
        this.server = server;
        this.sweeper = sweeper;
    }

    /**
     * @param listen  the public address, e.g. 0.0.0.0:20490
     * @param nfs     the plain NFS port the front relays to
     * @param follows whether this node follows a file system's replication group now: its mounts go elsewhere
     */
    public static TlsFront start(InetSocketAddress listen, InetSocketAddress nfs, IdentityFiles identity,
                                 GrantBook grants, Predicate<String> follows, TunnelledConnections connections,
                                 Clock clock)
            throws IOException, GeneralSecurityException {
        TunnelServer server = TunnelServer.builder()
                .listen(listen)
                .backend(nfs)
                .credentials(new PemCredentialFiles(identity.privateKey(), identity.certificate(),
                        identity.caCertificates()))
                .admission(new GrantAdmission(grants, follows))
                .listener(new TunnelListener() {
                    @Override
                    public void opened(ClientIdentity mount, InetSocketAddress backendLocal, InetSocketAddress remote) {
                        connections.opened(backendLocal, new MountIdentity(mount.mountId(), mount.fileSystemId(),
                                mount.access() == CertifiedAccess.READ_ONLY, mount.grantId(), mount.principalArn(),
                                remote));
                    }

                    @Override
                    public void closed(ClientIdentity mount, InetSocketAddress backendLocal, InetSocketAddress remote) {
                        connections.closed(backendLocal);
                    }
                })
                .start();
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("regatta-tls-front-sweep").unstarted(r));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                server.closeWhere(mount -> GrantAdmission.refusal(grants, mount).isPresent(), "its grant was removed");
                server.closeWhere(mount -> !mount.notAfter().isAfter(clock.instant()), "its certificate expired");
                // The kernel client reconnects, and its tunnel finds the member that leads now.
                server.closeWhere(mount -> GrantAdmission.following(follows, mount).isPresent(),
                        "this node no longer leads its file system's replication group");
            } catch (RuntimeException e) {
                log.warn("TLS front: sweep of tunnel connections failed: {}", e.toString());
            }
        }, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        log.info("TLS front listening on {} for tunnels to the NFS port {}", server.localAddress(), nfs);
        return new TlsFront(server, sweeper);
    }

    public int port() {
        return server.port();
    }

    /** Where the node calls a mount's lock services back, through the mount's callback line (if it keeps one). */
    public Optional<InetSocketAddress> callbackAddress(String mountId, int program, int version) {
        return server.callbackAddress(mountId, program, version);
    }

    /** The connections refused so far, by reason. */
    public Map<RefusalReason, Long> refusals() {
        return server.refusals();
    }

    /** Takes a renewed node certificate or a re-registration's new identity for new connections. */
    public void reloadCredentials() throws IOException, GeneralSecurityException {
        server.reloadCredentials();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        server.close();
    }
}
