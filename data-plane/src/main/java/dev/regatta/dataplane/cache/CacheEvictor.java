package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.MetadataStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * Keeps the cache within its budget: clean data unread for the TTL leaves, and above the high watermark the
 * least recently used clean files leave until the low watermark. Dirty data is never evicted: it stays until the
 * sync engine has it in S3.
 */
public final class CacheEvictor {

    private static final Logger log = LoggerFactory.getLogger(CacheEvictor.class);

    private final MetadataStore store;
    private final DataCache cache;
    private final long ttlNanos;
    private final long highBytes;
    private final long lowBytes;
    private final Counter evictions;
    private final Counter evictedBytes;

    public CacheEvictor(MetadataStore store, DataCache cache, Duration ttl, long maxBytes,
                        double highWatermark, double lowWatermark, MeterRegistry metrics) {
        this.store = store;
        this.cache = cache;
        this.ttlNanos = ttl.toNanos();
        this.highBytes = (long) (maxBytes * highWatermark);
        this.lowBytes = (long) (maxBytes * lowWatermark);
        this.evictions = Counter.builder("cache_evictions_total").register(metrics);
        this.evictedBytes = Counter.builder("cache_evicted_bytes_total").register(metrics);
        Gauge.builder("cache_resident_bytes", cache, DataCache::residentBytes)
                .description("file bytes held in the local cache").register(metrics);
        Gauge.builder("cache_capacity_bytes", () -> maxBytes).register(metrics);
    }

    /**
     * Reconciles the cache directory with the metadata store after a start: files of inodes that no longer exist
     * go; the others are counted for eviction.
     */
    public void recover(Path cacheDir) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(cacheDir, 2)) {
            files = walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            log.warn("cannot scan the cache directory {}: {}", cacheDir, e.toString());
            return;
        }
        int orphans = 0;
        for (Path f : files) {
            long id;
            try {
                id = Long.parseLong(f.getFileName().toString());
            } catch (NumberFormatException e) {
                continue;
            }
            Inode inode = store.read(tx -> tx.inode(id));
            if (inode == null) {
                cache.delete(id);
                orphans++;
            } else {
                cache.recordUsage(id, inode.present().totalLength());
            }
        }
        log.info("cache holds {} files, {} bytes; removed {} files of deleted inodes", files.size() - orphans,
                cache.residentBytes(), orphans);
    }

    /** One pass: expire by TTL, then shrink to the low watermark if above the high one. */
    public void run() {
        long now = System.nanoTime();
        List<Map.Entry<Long, DataCache.Usage>> byAge = new ArrayList<>(cache.usage().entrySet());
        byAge.sort(Comparator.comparingLong(e -> e.getValue().lastUsedNanos()));
        long resident = cache.residentBytes();
        boolean shrinking = resident > highBytes;
        for (Map.Entry<Long, DataCache.Usage> e : byAge) {
            boolean expired = now - e.getValue().lastUsedNanos() >= ttlNanos;
            if (expired || (shrinking && resident > lowBytes)) {
                resident -= evict(e.getKey());
            }
        }
    }

    /** Drops a clean inode's cached bytes; returns how many were freed (0 if it is dirty or busy). */
    private long evict(long id) {
        ReentrantReadWriteLock data = cache.lockFor(id);
        if (!data.writeLock().tryLock()) {
            return 0;
        }
        try {
            // -1: dirty or never uploaded, so its bytes stay.
            long bytes = store.write(Durability.SYNC, tx -> {
                Inode inode = tx.inode(id);
                if (inode == null) {
                    return 0L;
                }
                if (inode.isDirty() || tx.dirtyMark(id) != null || inode.syncedKeys().isEmpty()) {
                    return -1L;
                }
                long present = inode.present().totalLength();
                inode.cacheDropped();
                tx.putInodeQuietly(inode);
                return present;
            });
            if (bytes < 0) {
                return 0;
            }
            // The file goes only once the store no longer says its bytes are here: a crash in between must not
            // leave ranges marked present over a missing file.
            cache.delete(id);
            evictions.increment();
            evictedBytes.increment(bytes);
            return bytes;
        } finally {
            data.writeLock().unlock();
        }
    }
}
