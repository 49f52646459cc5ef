package dev.regatta.dataplane.server;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.GatedFileSystem;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.nfs.nlm.Nlm;
import dev.regatta.dataplane.meta.Replication;
import dev.regatta.dataplane.meta.ReplicationServer;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.node.AssignedFileSystem;
import dev.regatta.dataplane.node.FileSystemHost;
import dev.regatta.dataplane.node.FileSystemReport;
import dev.regatta.dataplane.node.IdentityFiles;
import dev.regatta.dataplane.s3.S3ObjectStore;
import dev.regatta.dataplane.sync.SyncEngine;
import dev.regatta.tunnel.tls.MemberTls;
import dev.regatta.tunnel.tls.PemCredentialFiles;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The file systems this node serves, added and removed while it runs. Each lives in {@code <data-dir>/fs/<id>/},
 * keeps its export index for good ({@link ExportIndexes}), and has its own meters. A stopped file system's
 * directory stays, so serving it again resumes where it was, pending uploads included.
 */
final class ServedFileSystems implements FileSystemHost, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServedFileSystems.class);
    /** A state directory name and an export path component; what the control plane issues ("fs-" + hex) fits. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** How long a stopping file system waits for its NFS calls in flight before warning (it keeps waiting). */
    private static final Duration DRAIN_WARNING = Duration.ofSeconds(10);
    /** How long a stopping file system may spend uploading its changes before it closes with some left. */
    private static final Duration STOP_FLUSH_TIMEOUT = Duration.ofSeconds(30);

    /** One served file system and everything opened for it, closed in reverse order. */
    private static final class Served {
        /** As last served; only the group's members change without a restart. */
        volatile FileSystemSettings settings;
        final int index;
        final FileSystemMeters meters;
        final S3ObjectStore objects;
        final FileSystemInstance instance;
        final GatedFileSystem gate;
        boolean closed;

        Served(FileSystemSettings settings, int index, FileSystemMeters meters, S3ObjectStore objects,
               FileSystemInstance instance) {
            this.settings = settings;
            this.index = index;
            this.meters = meters;
            this.objects = objects;
            this.instance = instance;
            this.gate = GatedFileSystem.serving(instance::fileSystem);
        }

        synchronized FileSystemReport report(ClientActivity activity) {
            if (closed) {
                return null;
            }
            SyncEngine.Backlog backlog = instance.backlog();
            return new FileSystemReport(settings.id(), instance.cacheBytes(), backlog.bytes(),
                    backlog.oldestAgeMillis() / 1000, meters.cacheHitRatio(),
                    activity.recentClients(index), meters.s3Requests(), activity.calls(index), backlog.failingFiles(),
                    backlog.failing().stream().map(f -> new FileSystemReport.FailingFile(f.path(), f.code(),
                            f.error(), f.attempts(), java.time.Instant.ofEpochMilli(f.sinceMillis()).toString()))
                            .toList(),
                    instance.fileSystem() != null ? FileSystemReport.LEADER : FileSystemReport.FOLLOWER,
                    instance.replicationTerm(), instance.appliedLogIndex() < 0 ? null : instance.appliedLogIndex());
        }

        synchronized void close() {
            closed = true;
            meters.close();
            instance.close();
            objects.close();
        }
    }

    private final DataPlaneConfig node;
    private final ExportTable exports;
    private final ExportIndexes indexes;
    private final MeterRegistry metrics;
    private final boolean tagMeters;
    private final ClientActivity activity;
    private final S3Clients s3Clients;
    /** The node's lock service: each file system's locks, their meters and recovery; null: none. */
    private final Nlm nlm;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    /**
     * The file systems whose replication group the control plane made this node a member of, served or not: a member
     * whose file system did not start here must not take the group's mounts either.
     */
    private final Set<String> groupMemberships = ConcurrentHashMap.newKeySet();
    /** Told when this node starts or stops leading one of its file systems' groups. */
    private volatile Runnable statusChanged = () -> { };
    /** This node's member in the replication groups of its file systems, started with the first of them. */
    private ReplicationServer replicationServer;
    /** The node's key and certificates once it has registered with a control plane: its members speak TLS with them. */
    private volatile IdentityFiles identity;

    /**
     * @param tagMeters tag each file system's meters with its ID; off for a node that serves one file system from
     *                  its options, whose scrapers expect the meters as they always were
     */
    ServedFileSystems(DataPlaneConfig node, ExportTable exports, MeterRegistry metrics, boolean tagMeters,
                      ClientActivity activity) {
        this(node, exports, metrics, tagMeters, activity, null);
    }

    /**
     * @param nlm the node's lock service: told when this node starts and stops serving each file system, and whose
     *            lock meters each file system shows (nlm_locks_held, ...)
     */
    ServedFileSystems(DataPlaneConfig node, ExportTable exports, MeterRegistry metrics, boolean tagMeters,
                      ClientActivity activity, Nlm nlm) {
        this.nlm = nlm;
        this.node = node;
        this.exports = exports;
        this.indexes = ExportIndexes.open(node.dataDir().resolve("export-indexes"));
        this.metrics = metrics;
        this.tagMeters = tagMeters;
        this.activity = activity;
        this.s3Clients = new S3Clients(node.s3().accessKey(), node.s3().secretKey(), node.s3Connections());
    }

    @Override
    public void serve(AssignedFileSystem a, String nodeId) {
        if (a.members().size() > 1) {
            groupMemberships.add(a.id());
        } else {
            groupMemberships.remove(a.id());
        }
        URI endpoint = a.endpoint() == null || a.endpoint().isBlank() ? null : URI.create(a.endpoint());
        serve(new FileSystemSettings(a.id(), "/" + a.id(), endpoint, a.region(), a.bucket(), a.keyPrefix(),
                new DataPlaneConfig.Defaults((int) a.defaultUid(), (int) a.defaultGid(), a.defaultFileMode(),
                        a.defaultDirMode()),
                Duration.ofSeconds(a.flushDelaySeconds()), Duration.ofSeconds(a.cacheTtlSeconds()),
                replication(a, nodeId)), nodeId);
    }

    /**
     * The file system's group as the control plane placed it, with this node's name in it (its node ID); null for a
     * file system this node serves alone.
     */
    private Replication replication(AssignedFileSystem a, String nodeId) {
        if (a.members().size() <= 1) {
            return null;
        }
        List<Replication.Member> members = new ArrayList<>();
        for (AssignedFileSystem.Member m : a.members()) {
            if (m.replicationAddress() == null) {
                throw new IllegalArgumentException("member " + m.nodeId() + " of file system " + a.id()
                        + "'s group has no replication address");
            }
            members.add(Replication.Member.at(m.nodeId(), m.replicationAddress()));
        }
        Replication group = new Replication(a.id(), members);
        if (!group.hasMember(nodeId)) {
            throw new IllegalArgumentException("this node (" + nodeId + ") is not among the members of file system "
                    + a.id() + "'s group: " + members);
        }
        return group;
    }

    /**
     * This node's replication server, started on first use under {@code name}: the node's ID with a control plane,
     * {@code --node-name} without.
     */
    private synchronized ReplicationServer replicationServer(String name) {
        ReplicationConfig config = node.replication();
        if (config == null) {
            throw new IllegalStateException("this node is placed in a replication group but has no replication port "
                    + "(--replication-port)");
        }
        if (replicationServer == null) {
            ReplicationServer started = new ReplicationServer(name, config.host(), config.port(),
                    node.dataDir().resolve("replication"), config.electionTimeout(), memberTls());
            started.start();
            replicationServer = started;
        } else if (!replicationServer.name().equals(name)) {
            // A Ratis server keeps its name for good; a node registered anew under another ID must restart.
            throw new IllegalStateException("this node's replication server runs as member " + replicationServer.name()
                    + ", but the node is " + name + " now (registered anew): restart the node");
        }
        return replicationServer;
    }

    /** The node's credentials from its registration (and each one after): the replication server's TLS uses them. */
    void useIdentity(IdentityFiles identity) {
        this.identity = identity;
    }

    /**
     * What the replication server's members speak: mutual TLS with the node's certificate when a control plane
     * issued one (its files are read again when renewed), in the clear without a control plane.
     */
    private MemberTls memberTls() {
        if (node.controlPlane() == null) {
            return null;
        }
        IdentityFiles current = identity;
        if (current == null) {
            throw new IllegalStateException("this node is placed in a replication group before it has a node"
                    + " certificate: its members speak TLS with it");
        }
        try {
            return new MemberTls(new PemCredentialFiles(current.privateKey(), current.certificate(),
                    current.caCertificates()));
        } catch (IOException e) {
            throw new IllegalStateException("the node's key or certificates are unusable for its replication"
                    + " server: " + e.getMessage(), e);
        }
    }

    /** Serves the one file system of a node without a control plane, as its options describe it. */
    void serve(FileSystemSettings settings) {
        serve(settings, node.replication() == null ? null : node.replication().name());
    }

    /**
     * Serves the file system, or restarts it when it is served with other settings.
     *
     * @param memberName this node's name in the file system's replication group, if it has one
     */
    private synchronized void serve(FileSystemSettings settings, String memberName) {
        String id = settings.id();
        if (id == null || !SAFE_ID.matcher(id).matches() || id.contains("..")) {
            throw new IllegalArgumentException("file system ID '" + id + "' cannot name a directory and an export");
        }
        Served current = served.get(id);
        if (current != null) {
            if (current.settings.equals(settings)) {
                return;
            }
            if (current.settings.replication() != null && settings.replication() != null
                    && current.settings.withReplication(null).equals(settings.withReplication(null))) {
                // Only the members changed (one replaced another): the group changes, the file system goes on.
                log.info("file system {}: its group's members are now {}", id, settings.replication().members());
                current.instance.reconfigure(settings.replication());
                current.settings = settings;
                return;
            }
            log.info("file system {}: settings changed ({} -> {}); restarting it", id, current.settings, settings);
            stopServing(id);
        }
        int index = indexes.indexOf(id);
        FileSystemMeters meters = tagMeters ? FileSystemMeters.tagged(metrics, id) : FileSystemMeters.untagged(metrics);
        if (nlm != null) {
            nlm.locks().bindMeters(index, meters.registry()); // locks are kept by export index, the file system's
        }
        // Virtual-hosted addressing is AWS's own; S3-compatible servers mostly want the bucket in the path.
        boolean pathStyle = settings.endpoint() != null && node.s3().pathStyle();
        S3ObjectStore objects = s3Clients.store(settings.endpoint(), settings.region(), pathStyle, settings.bucket(),
                meters.registry());
        FileSystemInstance instance;
        try {
            // fsid: distinct per export (a client must not take two exports for one file system). Served alone,
            // index + 1, 1 for the first one, as before exports were dynamic; in a group, the export's tag, the same
            // on every member, since a client that sees the fsid change under a file takes it for another one.
            long fsid = settings.replication() == null ? index + 1L : ExportTable.tagOf(settings.exportPath());
            ReplicationServer members = settings.replication() == null ? null : replicationServer(memberName);
            instance = new FileSystemInstance(stateDir(id), settings, node, objects, fsid, meters.registry(), members,
                    () -> statusChanged.run(), lockService(index, id));
        } catch (RuntimeException e) {
            objects.close();
            meters.close();
            throw e;
        }
        Served s = new Served(settings, index, meters, objects, instance);
        try {
            exports.add(new ExportTable.Export(index, settings.exportPath(), s.gate, instance::servingHandleKey));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        served.put(id, s);
        if (settings.replication() != null) {
            // A member that joins a group is told to the others once it has reported on it: report at once.
            statusChanged.run();
        }
        log.info("serving file system {} (s3://{}/{} in {}{}) as export {} (index {})", id, settings.bucket(),
                settings.keyPrefix(), settings.region(),
                settings.endpoint() == null ? "" : " at " + settings.endpoint(), settings.exportPath(), index);
    }

    /** The lock service as file system {@code id}, export index {@code index}, sees it. */
    private FileSystemInstance.Locks lockService(int index, String id) {
        if (nlm == null) {
            return FileSystemInstance.Locks.NONE;
        }
        return new FileSystemInstance.Locks() {
            @Override
            public void serving(MonitoredHosts hosts) throws IOException {
                nlm.serving(index, id, hosts);
            }

            @Override
            public void stopped() {
                nlm.stoppedServing(index);
            }
        };
    }

    /** Exports file system {@code id} as {@code path} too, now and whenever it is served again. */
    public void alias(String path, String id) {
        exports.alias(path, indexes.indexOf(id));
        log.info("file system {} is also exported as {}", id, path);
    }

    @Override
    public void stop(String fileSystemId) {
        groupMemberships.remove(fileSystemId);
        stopServing(fileSystemId);
    }

    /** Stops serving the file system (no longer assigned, or to serve it again with other settings). */
    private void stopServing(String fileSystemId) {
        Served s = served.remove(fileSystemId);
        if (s == null) {
            return;
        }
        exports.remove(s.settings.exportPath());
        try {
            if (!s.gate.close(DRAIN_WARNING)) {
                log.warn("file system {}: {} NFS calls still running {} after it was taken out; waiting for them "
                        + "before closing it", fileSystemId, s.gate.callsInFlight(), DRAIN_WARNING);
                s.gate.close(Duration.ofDays(1));
            }
            if (!s.instance.flush(STOP_FLUSH_TIMEOUT)) {
                SyncEngine.Backlog left = s.instance.backlog();
                log.warn("file system {}: {} changed files ({} bytes) and {} deletions not in s3://{} after {}; they "
                                + "stay in {} and go up when the file system is served here again",
                        fileSystemId, left.files(), left.bytes(), left.pendingDeletes(), s.settings.bucket(),
                        STOP_FLUSH_TIMEOUT, stateDir(fileSystemId));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            s.close();
            activity.forget(s.index);
        }
        log.info("stopped serving file system {}; its state stays in {}", fileSystemId, stateDir(fileSystemId));
    }

    @Override
    public void onStatusChange(Runnable tell) {
        statusChanged = tell;
    }

    @Override
    public List<FileSystemReport> reports() {
        List<FileSystemReport> reports = new ArrayList<>();
        for (Served s : served.values()) {
            try {
                FileSystemReport r = s.report(activity);
                if (r != null) {
                    reports.add(r);
                }
            } catch (RuntimeException e) {
                log.warn("file system {}: cannot read its status: {}", s.settings.id(), e.toString());
            }
        }
        return reports;
    }

    /**
     * Whether this node is a member of the file system's replication group and does not serve it now: another member
     * leads, or it did not start here (its mounts must go to another member, not get STALE here).
     */
    boolean follows(String fileSystemId) {
        Served s = served.get(fileSystemId);
        return s != null ? s.instance.fileSystem() == null : groupMemberships.contains(fileSystemId);
    }

    Optional<FileSystemInstance> instance(String fileSystemId) {
        return Optional.ofNullable(served.get(fileSystemId)).map(s -> s.instance);
    }

    List<FileSystemInstance> instances() {
        return served.values().stream().map(s -> s.instance).toList();
    }

    private Path stateDir(String id) {
        return node.dataDir().resolve("fs").resolve(id);
    }

    /** Closes every file system without waiting for uploads: what is pending stays on disk for the next start. */
    @Override
    public void close() {
        for (String id : List.copyOf(served.keySet())) {
            Served s = served.remove(id);
            exports.remove(s.settings.exportPath());
            try {
                s.gate.close(DRAIN_WARNING);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.close();
        }
        synchronized (this) {
            if (replicationServer != null) {
                replicationServer.close();
            }
        }
    }
}
