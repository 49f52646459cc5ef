package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.RangeSet;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The read path: bytes of a file from the local cache, with what is missing fetched from its object first (pinned
 * to the ETag the file was synced at), and read-ahead for sequential readers off the caller's path. It knows
 * nothing of permissions or names; the file system checks those before it asks.
 */
public final class ReadPath {

    private static final Logger log = LoggerFactory.getLogger(ReadPath.class);
    private static final long PREFETCH_WAIT_NANOS = 2_000_000_000L;

    /** Bytes read, and the inode as it stood when they were read (for the reply's attributes). */
    public record Bytes(ByteBuffer data, Inode file) {
    }

    private final MetadataStore store;
    private final DataCache cache;
    private final ObjectFetcher fetcher;
    private final Consumer<Inode> objectChanged;
    private final ReadAhead readAhead = new ReadAhead();
    private final ExecutorService prefetcher = Executors.newVirtualThreadPerTaskExecutor();
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter cacheHitBytes;
    private final Counter cacheMissBytes;

    /**
     * @param objectChanged told when a file's object is shorter than known, changed or gone in S3, so that its
     *                      directory is listed again (the sync layer's importer; the cache cannot call up to it)
     */
    public ReadPath(MetadataStore store, DataCache cache, ObjectStore objects, Consumer<Inode> objectChanged,
                    MeterRegistry metrics) {
        this.store = store;
        this.cache = cache;
        this.fetcher = new ObjectFetcher(store, cache, objects);
        this.objectChanged = objectChanged;
        this.cacheHits = Counter.builder("cache_reads_total").tag("result", "hit").register(metrics);
        this.cacheMisses = Counter.builder("cache_reads_total").tag("result", "miss").register(metrics);
        this.cacheHitBytes = Counter.builder("cache_read_bytes_total").tag("result", "hit").register(metrics);
        this.cacheMissBytes = Counter.builder("cache_read_bytes_total").tag("result", "miss").register(metrics);
    }

    /**
     * Reads [offset, end) of a regular file ({@code offset < end <= inode.size()}); the data may come back shorter if
     * the file shrank meanwhile. S3 trouble is {@link FsError#JUKEBOX}: the client retries.
     */
    public Bytes read(Inode inode, long offset, long end) throws FsException {
        long fileId = inode.id();
        List<RangeSet.Range> missing = inode.present().gaps(offset, end);
        if (!missing.isEmpty() && readAhead.claimed(fileId, end)) {
            inode = awaitPrefetch(inode, offset, end);
            missing = inode.present().gaps(offset, end);
        }
        if (missing.isEmpty()) {
            cacheHits.increment();
            cacheHitBytes.increment(end - offset);
        } else {
            cacheMisses.increment();
            cacheMissBytes.increment(end - offset);
            fill(inode, offset, end);
        }
        prefetch(inode, end, readAhead.next(fileId, offset, end, inode.size()));
        ReentrantReadWriteLock data = cache.lockFor(fileId);
        data.readLock().lock();
        try {
            Inode current = store.read(tx -> tx.inode(fileId));
            if (current == null) {
                throw new FsException(FsError.STALE, "inode " + fileId + " no longer exists");
            }
            long upTo = Math.min(current.size(), end);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, upTo - offset));
            cache.read(fileId, offset, buf);
            cache.touch(fileId);
            buf.flip();
            return new Bytes(buf, current);
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot read cache file of inode " + fileId, e);
        } finally {
            data.readLock().unlock();
        }
    }

    /** Brings [offset, end) of a file into the cache from its object; S3 trouble asks the client to retry. */
    private void fill(Inode snapshot, long offset, long end) throws FsException {
        try {
            if (!fetcher.fill(snapshot, offset, end, snapshot.baseEtag())) {
                objectChanged.accept(snapshot); // shorter than we knew: revalidation fixes the size
            }
        } catch (ObjectStoreException e) {
            if (e.preconditionFailed() && snapshot.isDirty()) {
                // Changed through S3 under our unsynced changes: ours win where we have them, theirs fill the rest.
                log.warn("object of inode {} changed in S3 while it has unsynced changes here", snapshot.id());
                try {
                    fetcher.fill(snapshot, offset, end, null);
                    return;
                } catch (ObjectStoreException retry) {
                    e = retry;
                }
            }
            if (e.preconditionFailed() || e.notFound()) {
                objectChanged.accept(snapshot);
            }
            log.info("read of inode {} needs S3, which failed ({}); the client will retry", snapshot.id(),
                    e.getMessage());
            throw new FsException(FsError.JUKEBOX, "S3 read for inode " + snapshot.id() + " failed", e);
        }
    }

    /**
     * A sequential reader that catches up with its read-ahead waits for the bytes on their way rather than fetching
     * them a second time; if they do not come soon, it fetches them itself.
     */
    private Inode awaitPrefetch(Inode inode, long offset, long end) throws FsException {
        long deadline = System.nanoTime() + PREFETCH_WAIT_NANOS;
        Inode current = inode;
        while (!current.present().covers(offset, end) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            current = store.read(tx -> tx.inode(inode.id()));
            if (current == null) {
                throw new FsException(FsError.STALE, "inode " + inode.id() + " no longer exists");
            }
        }
        return current;
    }

    /** Fetches what sequential readers will want next, off the caller's path. Failures only cost a later miss. */
    private void prefetch(Inode snapshot, long from, long to) {
        long start = to <= from ? -1 : readAhead.claim(snapshot.id(), from, to);
        if (start < 0) {
            return;
        }
        prefetcher.execute(() -> {
            try {
                fill(snapshot, start, to);
            } catch (FsException | RuntimeException e) {
                log.debug("read-ahead of inode {} stopped: {}", snapshot.id(), e.toString());
            }
        });
    }

    /** Stops read-ahead and waits for the fetches in flight: the store and cache close next. */
    public void close() {
        prefetcher.shutdownNow();
        try {
            prefetcher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
