package dev.regatta.dataplane.server;

import dev.regatta.dataplane.cache.CacheEvictor;
import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.ReplicaFiles;
import dev.regatta.dataplane.fs.RegattaFileSystem;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.Leadership;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Replication;
import dev.regatta.dataplane.meta.ReplicationServer;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LongPathObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.sync.Importer;
import dev.regatta.dataplane.sync.SyncEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One file system served by this node: its store and cache, and while this node leads it (always, when it serves
 * the file system alone) the importer, the sync engine, housekeeping and the POSIX layer on them. A member of a
 * replication group that follows keeps only its store and cache up to date from the group's log; when it comes to
 * lead, it starts the rest on what the group wrote, and stops it again when it no longer leads.
 */
public final class FileSystemInstance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileSystemInstance.class);

    private final Path dir;
    private final FileSystemSettings settings;
    private final DataPlaneConfig node;
    private final ObjectStore objects;
    private final long fsid;
    private final MeterRegistry metrics;
    private final DataCache cache;
    private final MetadataStore store;
    private final Locks locks;
    /** Starts and stops {@link Leading} one change at a time, off the log's threads. */
    private final ExecutorService roles;
    /** What runs while this node leads; null while it follows. */
    private volatile Leading leading;
    private volatile boolean closed;

    /**
     * The workers of a leading node, closed in reverse order, and the file system's handle key (read or made when
     * this node comes to lead).
     */
    private record Leading(Importer importer, RegattaFileSystem fileSystem, SyncEngine sync,
                           ScheduledExecutorService housekeeping, byte[] handleKey) {
    }

    /**
     * The node's lock service as this file system sees it. Locks live in the serving node's memory; what outlives it
     * is the list of client hosts that took locks, kept in the file system's store (so, on a group, on every member),
     * which the next server tells to reclaim them.
     */
    interface Locks {
        /** No locks (tests of other parts). */
        Locks NONE = new Locks() {
            @Override
            public void serving(MonitoredHosts hosts) {
            }

            @Override
            public void stopped() {
            }
        };

        /** This node starts serving the file system; called before its first call is answered. */
        void serving(MonitoredHosts hosts) throws IOException;

        /** This node stopped serving it: whatever was locked on it here is forgotten. */
        void stopped();
    }

    /**
     * @param dir     the file system's own state directory
     * @param node    the node-wide settings (sync timings, cache size, multipart sizes)
     * @param fsid    what clients see as the file system ID; distinct per export, or a client may mix them up
     * @param metrics where this file system's meters go
     * @param members this node's replication server, for a file system with a replication group; else null
     * @param roleChanged told (on the role thread) when this node starts or stops leading the file system's group
     * @param locks   told when this node starts and stops serving the file system
     */
    FileSystemInstance(Path dir, FileSystemSettings settings, DataPlaneConfig node, ObjectStore objects, long fsid,
                       MeterRegistry metrics, ReplicationServer members, Runnable roleChanged, Locks locks) {
        this.dir = dir;
        this.locks = locks;
        this.settings = settings;
        this.node = node;
        this.objects = objects;
        this.fsid = fsid;
        this.metrics = metrics;
        this.cache = new DataCache(dir.resolve("cache"));
        Replication replication = settings.replication();
        this.store = replication == null
                ? MetadataStore.open(dir.resolve("meta"))
                : MetadataStore.openReplicated(dir.resolve("meta"), members, replication, new ReplicaFiles(cache));
        this.roles = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("regatta-role-" + settings.id()).factory());
        if (replication == null) {
            lead();
        } else {
            Gauge.builder("replication_leader", this, i -> i.leading != null ? 1 : 0)
                    .description("1 while this node leads the file system's replication group and serves it, 0 while"
                            + " it follows (applies the group's log, answers NFS calls JUKEBOX)")
                    .register(metrics);
            Gauge.builder("replication_applied_index", store, MetadataStore::appliedLogIndex)
                    .description("the last entry of the replication group's log this node has applied: a member"
                            + " behind the leader's figure is catching up")
                    .register(metrics);
            store.onLeadership(new Leadership() {
                @Override
                public void leading() {
                    onRoleThread(() -> {
                        lead();
                        roleChanged.run();
                    });
                }

                @Override
                public void following() {
                    onRoleThread(() -> {
                        follow();
                        roleChanged.run();
                    });
                }
            });
        }
    }

    /** A change of role after close (the group still talking while this instance goes) changes nothing. */
    private void onRoleThread(Runnable change) {
        try {
            roles.execute(change);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Starts serving: everything here writes to the store, which a follower may not. */
    private synchronized void lead() {
        if (leading != null || closed) {
            return;
        }
        byte[] handleKey = handleKey();
        KeyCodec keys = new KeyCodec(settings.keyPrefix());
        DataPlaneConfig.Defaults d = settings.defaults();
        AttributeCodec codec = new AttributeCodec(d.uid(), d.gid(), d.fileMode(), d.directoryMode());
        // One view of the bucket through full-length keys for all three, so that they share its folder records.
        ObjectStore logical = LongPathObjectStore.over(objects, keys, metrics);
        Importer importer = new Importer(store, logical, keys, codec, cache, node.revalidateAfter(), node.imports(),
                metrics);
        RegattaFileSystem fileSystem = new RegattaFileSystem(store, cache, logical, importer, fsid, false, metrics);
        SyncEngine sync = new SyncEngine(store, cache, logical, keys, codec, dir, node.quietPeriod(),
                settings.flushDeadline(), node.multipartThreshold(), node.multipartPartSize(),
                node.uploadConcurrency(), metrics);
        CacheEvictor evictor = new CacheEvictor(store, cache, settings.cacheTtl(), node.cacheMaxBytes(),
                node.cacheHighWatermark(), node.cacheLowWatermark(), metrics);
        evictor.recover(dir.resolve("cache"));
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("regatta-cache-eviction-" + settings.id()).factory());
        Leading now = new Leading(importer, fileSystem, sync, housekeeping, handleKey);
        housekeeping.scheduleWithFixedDelay(evictor::run, 2, 2, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(() -> checkpointJournal(fileSystem), 1, 1, TimeUnit.SECONDS);
        sync.start();
        try {
            // Before the first call: a client's lock call must meet the grace period, never a lock service that
            // has not heard of the locks held through the last server.
            locks.serving(MonitoredHosts.on(lockShelf(), "file system " + settings.id()));
        } catch (IOException | RuntimeException e) {
            stop(now);
            throw new IllegalStateException("file system " + settings.id() + ": cannot start its lock service", e);
        }
        leading = now;
        if (settings.replication() != null) {
            log.info("file system {}: this node leads its replication group and serves it", settings.id());
        }
    }

    /** Stops serving: calls answer JUKEBOX until this node leads again. */
    private synchronized void follow() {
        Leading was = leading;
        if (was == null) {
            return;
        }
        leading = null;
        locks.stopped();
        stop(was);
        log.warn("file system {}: this node no longer leads its replication group; it stopped serving it",
                settings.id());
    }

    /**
     * The key the file system's handles are signed under: the group's first leader makes it and every later one
     * reads it from the store, so a client's handles stay good on whichever member serves it next.
     */
    private byte[] handleKey() {
        return store.write(Durability.SYNC, tx -> {
            byte[] key = tx.handleKey();
            if (key == null) {
                key = new byte[32];
                new SecureRandom().nextBytes(key);
                tx.putHandleKey(key);
            }
            return key;
        });
    }

    /** The lock service's records in the store: replicated with the group, durable (SYNC) before a lock is granted. */
    private MonitoredHosts.Shelf lockShelf() {
        return new MonitoredHosts.Shelf() {
            @Override
            public byte[] read(String name) throws IOException {
                try {
                    return store.read(tx -> tx.lockRecord(name));
                } catch (RuntimeException e) {
                    throw new IOException("cannot read the lock record '" + name + "': " + e, e);
                }
            }

            @Override
            public void write(String name, byte[] bytes) throws IOException {
                try {
                    store.write(Durability.SYNC, tx -> tx.putLockRecord(name, bytes));
                } catch (RuntimeException e) {
                    throw new IOException("cannot write the lock record '" + name + "': " + e, e);
                }
            }
        };
    }

    private static void stop(Leading l) {
        l.housekeeping().shutdownNow();
        try {
            l.housekeeping().awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        l.sync().close();
        l.fileSystem().close();
        l.importer().close();
    }

    private void checkpointJournal(RegattaFileSystem fileSystem) {
        try {
            fileSystem.checkpointJournal();
        } catch (IOException | RuntimeException e) {
            log.warn("file system {}: cannot sync journaled cache files yet (their bytes stay safe in the metadata log;"
                    + " retried in a second): {}", settings.id(), e.toString());
        }
    }

    public FileSystemSettings settings() {
        return settings;
    }

    /** The file system as this node serves it now, or null while it follows its replication group's leader. */
    public RegattaFileSystem fileSystem() {
        Leading l = leading;
        return l == null ? null : l.fileSystem();
    }

    /** The file system's handle key while this node serves it; null while it follows. */
    public byte[] servingHandleKey() {
        Leading l = leading;
        return l == null ? null : l.handleKey();
    }

    /** What is not in S3 yet (nothing, as far as this node knows, while it follows: the leader uploads). */
    public SyncEngine.Backlog backlog() {
        Leading l = leading;
        return l == null ? SyncEngine.Backlog.NONE : l.sync().backlog();
    }

    /** The file system's group should have these members now; its leader changes it to them. */
    public void reconfigure(Replication members) {
        store.reconfigure(members);
    }

    /** The replication group's term as this node knows it; 0 alone. */
    public long replicationTerm() {
        return store.replicationTerm();
    }

    /** The last entry of the group's log this node applied; -1 alone. */
    public long appliedLogIndex() {
        return store.appliedLogIndex();
    }

    /** File bytes held in the local cache. */
    public long cacheBytes() {
        return cache.residentBytes();
    }

    /** Uploads every pending change now; true when nothing is left within the timeout (a follower has none). */
    public boolean flush(Duration timeout) throws InterruptedException {
        Leading l = leading;
        return l == null || l.sync().flush(timeout);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        roles.shutdown();
        try {
            roles.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Leading l = leading;
        leading = null;
        if (l != null) {
            locks.stopped();
            stop(l);
        }
        cache.close();
        // Readers that outlive the rest (a metrics scrape, a late read-ahead) see the store open or closed, never
        // closing under them: it closes between transactions.
        store.close();
    }
}
