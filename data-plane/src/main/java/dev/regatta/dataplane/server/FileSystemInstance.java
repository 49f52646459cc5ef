package dev.regatta.dataplane.server;

import dev.regatta.dataplane.cache.CacheEvictor;
import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.fs.RegattaFileSystem;
import dev.regatta.dataplane.meta.MetadataLock;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.sync.Importer;
import dev.regatta.dataplane.sync.SyncEngine;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** One file system served by this node: its store, cache, importer, sync engine, and the POSIX layer on them. */
public final class FileSystemInstance implements AutoCloseable {

    private final MetadataStore store;
    private final DataCache cache;
    private final Importer importer;
    private final SyncEngine sync;
    private final RegattaFileSystem fileSystem;
    private final ScheduledExecutorService housekeeping;

    FileSystemInstance(Path dir, DataPlaneConfig config, ObjectStore objects, long fsid, MeterRegistry metrics) {
        this.store = MetadataStore.open(dir.resolve("meta"));
        ReentrantLock lock = new MetadataLock(store);
        this.cache = new DataCache(dir.resolve("cache"));
        KeyCodec keys = new KeyCodec(config.s3().prefix());
        DataPlaneConfig.Defaults d = config.defaults();
        AttributeCodec codec = new AttributeCodec(d.uid(), d.gid(), d.fileMode(), d.directoryMode());
        this.importer = new Importer(store, lock, objects, keys, codec, cache, config.revalidateAfter(), metrics);
        this.fileSystem = new RegattaFileSystem(store, lock, cache, objects, keys, importer, fsid, false, metrics);
        this.sync = new SyncEngine(store, lock, cache, objects, keys, codec, dir, config.quietPeriod(),
                config.flushDeadline(), config.multipartThreshold(), config.multipartPartSize(),
                config.uploadConcurrency(), metrics);
        CacheEvictor evictor = new CacheEvictor(store, lock, cache, config.cacheTtl(), config.cacheMaxBytes(),
                config.cacheHighWatermark(), config.cacheLowWatermark(), metrics);
        evictor.recover(dir.resolve("cache"));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("regatta-cache-eviction").factory());
        housekeeping.scheduleWithFixedDelay(evictor::run, 2, 2, TimeUnit.SECONDS);
        sync.start();
    }

    public RegattaFileSystem fileSystem() {
        return fileSystem;
    }

    /** Uploads every pending change now; true when nothing is left within the timeout. */
    public boolean flush(Duration timeout) throws InterruptedException {
        return sync.flush(timeout);
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        sync.close();
        importer.close();
        cache.close();
        store.close();
    }
}
