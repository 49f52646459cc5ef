package dev.regatta.dataplane.server;

import dev.regatta.dataplane.cache.CacheEvictor;
import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.fs.RegattaFileSystem;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LongPathObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.sync.Importer;
import dev.regatta.dataplane.sync.SyncEngine;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One file system served by this node: its store, cache, importer, sync engine, and the POSIX layer on them. */
public final class FileSystemInstance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileSystemInstance.class);

    private final FileSystemSettings settings;
    private final MetadataStore store;
    private final DataCache cache;
    private final Importer importer;
    private final SyncEngine sync;
    private final RegattaFileSystem fileSystem;
    private final ScheduledExecutorService housekeeping;

    /**
     * @param dir     the file system's own state directory
     * @param node    the node-wide settings (sync timings, cache size, multipart sizes)
     * @param fsid    what clients see as the file system ID; distinct per export, or a client may mix them up
     * @param metrics where this file system's meters go
     */
    FileSystemInstance(Path dir, FileSystemSettings settings, DataPlaneConfig node, ObjectStore objects, long fsid,
                       MeterRegistry metrics) {
        this.settings = settings;
        this.store = MetadataStore.open(dir.resolve("meta"));
        this.cache = new DataCache(dir.resolve("cache"));
        KeyCodec keys = new KeyCodec(settings.keyPrefix());
        DataPlaneConfig.Defaults d = settings.defaults();
        AttributeCodec codec = new AttributeCodec(d.uid(), d.gid(), d.fileMode(), d.directoryMode());
        // One view of the bucket through full-length keys for all three, so that they share its folder records.
        ObjectStore logical = LongPathObjectStore.over(objects, keys, metrics);
        this.importer = new Importer(store, logical, keys, codec, cache, node.revalidateAfter(), node.imports(),
                metrics);
        this.fileSystem = new RegattaFileSystem(store, cache, logical, importer, fsid, false, metrics);
        this.sync = new SyncEngine(store, cache, logical, keys, codec, dir, node.quietPeriod(),
                settings.flushDeadline(), node.multipartThreshold(), node.multipartPartSize(),
                node.uploadConcurrency(), metrics);
        CacheEvictor evictor = new CacheEvictor(store, cache, settings.cacheTtl(), node.cacheMaxBytes(),
                node.cacheHighWatermark(), node.cacheLowWatermark(), metrics);
        evictor.recover(dir.resolve("cache"));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("regatta-cache-eviction-" + settings.id()).factory());
        housekeeping.scheduleWithFixedDelay(evictor::run, 2, 2, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::checkpointJournal, 1, 1, TimeUnit.SECONDS);
        sync.start();
    }

    private void checkpointJournal() {
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

    public RegattaFileSystem fileSystem() {
        return fileSystem;
    }

    /** What is not in S3 yet. */
    public SyncEngine.Backlog backlog() {
        return sync.backlog();
    }

    /** File bytes held in the local cache. */
    public long cacheBytes() {
        return cache.residentBytes();
    }

    /** Uploads every pending change now; true when nothing is left within the timeout. */
    public boolean flush(Duration timeout) throws InterruptedException {
        return sync.flush(timeout);
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sync.close();
        fileSystem.close();
        importer.close();
        cache.close();
        // Readers that outlive the rest (a metrics scrape, a late read-ahead) see the store open or closed, never
        // closing under them: it closes between transactions.
        store.close();
    }
}
