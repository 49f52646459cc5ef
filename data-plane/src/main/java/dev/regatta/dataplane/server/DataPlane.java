package dev.regatta.dataplane.server;

import dev.regatta.dataplane.front.CertificatePolicy;
import dev.regatta.dataplane.front.MountIdentity;
import dev.regatta.dataplane.front.NodeTlsFront;
import dev.regatta.dataplane.front.TunnelCallbackTarget;
import dev.regatta.dataplane.front.TunnelledConnections;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.nfs.NfsServer;
import dev.regatta.dataplane.nfs.nlm.Nlm;
import dev.regatta.dataplane.nfs.nlm.PortmapCallbackTarget;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.node.AssignedGrants;
import dev.regatta.dataplane.node.ControlPlaneSettings;
import dev.regatta.dataplane.node.GrantBook;
import dev.regatta.dataplane.node.IdentityFiles;
import dev.regatta.dataplane.node.NodeAgent;
import dev.regatta.dataplane.node.NodeFacts;
import dev.regatta.pki.PrivateFiles;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A running data-plane node: the NFS server, the file systems behind it, and the metrics endpoint. Without a
 * control plane it serves the one file system its options describe; with one, it registers as a node and serves
 * whatever the control plane assigns, each file system as export {@code /<id>}.
 */
public final class DataPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);

    private final ServedFileSystems fileSystems;
    private final NfsServer nfs;
    /** NLM locks, NSM, and the client hosts kept in {@code <data-dir>/nlm}. */
    private final Nlm nlm;
    private final MetricsEndpoint metricsEndpoint;
    private final PrometheusMeterRegistry metrics;
    private final NodeAgent agent;
    /** With a control plane: the node's public TLS port; null without. */
    private final NodeTlsFront front;

    private DataPlane(DataPlaneConfig config) throws IOException {
        PrivateFiles.privateDirectory(config.dataDir());
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        ExportTable exports = new ExportTable();
        TunnelledConnections tunnelled = new TunnelledConnections();
        ClientActivity activity = new ClientActivity(ClientActivity.DEFAULT_WINDOW,
                remote -> tunnelled.identityOf(remote).map(MountIdentity::clientName)
                        .orElseGet(() -> ClientActivity.hostOf(remote)));
        boolean managed = config.controlPlane() != null;
        // Callbacks go to a direct client's address, and to a tunnelled one through its mount's callback line at
        // the TLS front, which starts after the NFS server (it relays to the NFS port) and so after the lock manager.
        AtomicReference<NodeTlsFront> frontForCallbacks = new AtomicReference<>();
        this.nlm = Nlm.open(config.locks(), config.dataDir().resolve("nlm"), new TunnelCallbackTarget(
                new PortmapCallbackTarget(), (mountId, program, version) -> Optional.ofNullable(frontForCallbacks.get())
                        .flatMap(started -> started.callbackAddress(mountId, program, version))));
        // With a control plane, the node's addresses go to it at registration, before the TLS front and the
        // replication server can start (the front needs the certificate registration gives, the server the node ID):
        // take the ports now, and fail now if one is taken.
        int tlsPort = -1;
        String address = null;
        if (managed) {
            ControlPlaneSettings node = config.controlPlane();
            tlsPort = FreePort.check(node.tlsBindAddress(), node.tlsPort());
            address = node.advertiseAddress() != null ? node.advertiseAddress()
                    : defaultAddress(node.tlsBindAddress(), tlsPort);
            if (config.replication() != null) {
                String host = hostOf(address);
                config = config.withReplication(config.replication().listeningOn(host,
                        FreePort.check(host, config.replication().port())));
            }
        }
        this.fileSystems = new ServedFileSystems(config, exports, metrics, managed, activity, nlm);
        AssignedGrants grants = new AssignedGrants(metrics);
        NfsServer started = null;
        NodeAgent joined = null;
        NodeTlsFront front = null;
        try {
            if (!managed) {
                fileSystems.serve(FileSystemSettings.of(config));
            }
            // A node's plain NFS port also serves the operator's own tools on the node: connections that did not
            // come through the TLS front are admitted as they are (the port binds to loopback by default).
            ConnectionPolicy policy = managed ? new CertificatePolicy(tunnelled, grants, true)
                    : ConnectionPolicy.ALLOW_ALL;
            started = NfsServer.start(exports, handleKey(config.dataDir()), metrics, config.bindAddress(),
                    config.nfsPort(), config.portmap(), policy, activity, nlm);
            if (managed) {
                ControlPlaneSettings node = config.controlPlane();
                front = new NodeTlsFront(new InetSocketAddress(node.tlsBindAddress(), tlsPort),
                        new InetSocketAddress(loopbackIfWildcard(config.bindAddress()), started.port()), grants,
                        fileSystems::follows, tunnelled, metrics);
                frontForCallbacks.set(front);
                String nfsHost = isWildcard(config.bindAddress()) ? hostOf(address) : config.bindAddress();
                NodeFacts facts = new NodeFacts(address, hostPort(nfsHost, started.port()),
                        config.replication() == null ? null : config.replication().address(), node.zone());
                joined = NodeAgent.start(node, facts, config.dataDir().resolve("node"), fileSystems, grants,
                        ((Consumer<IdentityFiles>) fileSystems::useIdentity).andThen(front));
            }
        } catch (IOException | RuntimeException e) {
            if (front != null) {
                front.close();
            }
            if (started != null) {
                started.close();
            }
            fileSystems.close();
            nlm.close();
            throw e;
        }
        this.nfs = started;
        this.agent = joined;
        this.front = front;
        this.metricsEndpoint = config.metricsPort() < 0 ? null
                : MetricsEndpoint.start(config.bindAddress(), config.metricsPort(), metrics);
    }

    private static String loopbackIfWildcard(String bindAddress) {
        return isWildcard(bindAddress) ? "127.0.0.1" : bindAddress;
    }

    private static boolean isWildcard(String bindAddress) {
        return bindAddress == null || bindAddress.isBlank() || bindAddress.equals("0.0.0.0") || bindAddress.equals("::");
    }

    /** The host of {@code host:port} (an IPv6 host without its brackets). */
    private static String hostOf(String address) {
        String host = address.substring(0, address.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String hostPort(String host, int port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    public static DataPlane start(DataPlaneConfig config) throws IOException {
        return new DataPlane(config);
    }

    /**
     * Where clients reach this node when no address is given: the bind address, or this host's address when
     * bound to every interface.
     */
    private static String defaultAddress(String bindAddress, int port) {
        String host = bindAddress;
        if (isWildcard(host)) {
            try {
                host = InetAddress.getLocalHost().getHostAddress();
            } catch (UnknownHostException e) {
                host = "127.0.0.1";
            }
            log.warn("bound to every interface: advertising {}:{} to the control plane; give --advertise-address "
                    + "if clients reach this node at another address", host, port);
        }
        return hostPort(host, port);
    }

    public int nfsPort() {
        return nfs.port();
    }

    /** The metrics port, or -1 when disabled. */
    public int metricsPort() {
        return metricsEndpoint == null ? -1 : metricsEndpoint.port();
    }

    public String scrapeMetrics() {
        return metrics.scrape();
    }

    /** The file system served under this ID (with a control plane, its ID; without, the export's name). */
    public Optional<FileSystemInstance> fileSystem(String id) {
        return fileSystems.instance(id);
    }

    /** Exports file system {@code id} as {@code path} too (the embedded default's {@code /fs-demo}). */
    public void aliasExport(String path, String id) {
        fileSystems.alias(path, id);
    }

    /** The grants of the file systems the control plane assigned here; none without a control plane. */
    public Optional<GrantBook> grants() {
        return Optional.ofNullable(agent).map(NodeAgent::grants);
    }

    /** The node's NLM locks and NSM. */
    public Nlm nlm() {
        return nlm;
    }

    /** The TLS front's port: -1 without a control plane, or before the node has registered. */
    public int tlsPort() {
        return front == null ? -1 : front.port();
    }

    /**
     * File handles carry a MAC under this node's key, so that they survive restarts but cannot be forged; the key
     * is made once and kept in the data directory, readable by the owner only.
     */
    private static byte[] handleKey(Path dataDir) throws IOException {
        Path file = dataDir.resolve("handle.key");
        if (Files.exists(file)) {
            return Files.readAllBytes(file);
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = dataDir.resolve("handle.key.tmp");
        Files.write(tmp, key);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    @Override
    public void close() {
        if (front != null) {
            front.close();
        }
        if (agent != null) {
            agent.close();
        }
        nfs.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        fileSystems.close();
        nlm.close();
    }

    /** Waits until every change of every file system is in S3 (for an orderly shutdown or a test). */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<FileSystemInstance> all = fileSystems.instances();
        for (FileSystemInstance instance : all) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (!instance.flush(left)) {
                return false;
            }
        }
        return true;
    }
}
