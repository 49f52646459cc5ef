package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
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
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The read path: bytes of a file from the local cache, with what is missing fetched from its object first (pinned
 * to the ETag the file was synced at), and read-ahead for sequential readers: several ranged GETs in flight within
 * a window that grows while the reader stays sequential, the reader waiting only for the part holding its bytes.
 * It knows nothing of permissions or names; the file system checks those before it asks.
 */
public final class ReadPath {

    private static final Logger log = LoggerFactory.getLogger(ReadPath.class);

    /**
     * Bytes read, in a buffer lent by the read path's pool (release it once they are sent or dropped), and the inode
     * as it stood when they were read (for the reply's attributes).
     */
    public record Bytes(BufferPool.Loan data, Inode file) {
    }

    private final MetadataStore store;
    private final DataCache cache;
    private final ObjectFetcher fetcher;
    private final Consumer<Inode> objectChanged;
    private final ReadAhead readAhead = new ReadAhead();
    private final Prefetcher prefetcher;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter cacheHitBytes;
    private final Counter cacheMissBytes;
    private final BufferPool buffers;

    /**
     * @param objectChanged told when a file's object is shorter than known, changed or gone in S3, so that its
     *                      directory is listed again (the sync layer's importer; the cache cannot call up to it)
     */
    public ReadPath(MetadataStore store, DataCache cache, ObjectStore objects, Consumer<Inode> objectChanged,
                    MeterRegistry metrics) {
        this(store, cache, objects, objectChanged, metrics, BufferPool.shared());
    }

    /** @param buffers lends the buffers that reads are read into */
    ReadPath(MetadataStore store, DataCache cache, ObjectStore objects, Consumer<Inode> objectChanged,
             MeterRegistry metrics, BufferPool buffers) {
        this.store = store;
        this.cache = cache;
        this.fetcher = new ObjectFetcher(store, cache, objects);
        this.objectChanged = objectChanged;
        this.prefetcher = new Prefetcher(store, this::fill);
        this.cacheHits = Counter.builder("cache_reads_total").tag("result", "hit").register(metrics);
        this.cacheMisses = Counter.builder("cache_reads_total").tag("result", "miss").register(metrics);
        this.cacheHitBytes = Counter.builder("cache_read_bytes_total").tag("result", "hit").register(metrics);
        this.cacheMissBytes = Counter.builder("cache_read_bytes_total").tag("result", "miss").register(metrics);
        this.buffers = buffers;
    }

    /**
     * Reads [offset, end) of a regular file ({@code offset < end <= inode.size()}); the data may come back shorter if
     * the file shrank meanwhile. S3 trouble is {@link FsError#JUKEBOX}: the client retries.
     */
    public Bytes read(Inode inode, long offset, long end) throws FsException {
        long fileId = inode.id();
        long window = readAhead.next(fileId, offset, end);
        boolean missing = !inode.present().covers(offset, end);
        long ahead = Math.min(Math.min(inode.size(), inode.baseLength()), end + window);
        if (missing || (ahead > end && !inode.present().covers(end, ahead))) {
            prefetcher.fetch(fileId, offset, end, window);
        }
        if (missing) {
            cacheMisses.increment();
            cacheMissBytes.increment(end - offset);
            prefetcher.await(fileId, offset, end);
            Inode current = store.read(tx -> tx.inode(fileId));
            if (current == null) {
                throw new FsException(FsError.STALE, "inode " + fileId + " no longer exists");
            }
            if (!current.present().covers(offset, end)) {
                // Its part failed or stalled: fetch here, where a failure reaches the client.
                fill(current, offset, end, upTo -> { });
            }
        } else {
            cacheHits.increment();
            cacheHitBytes.increment(end - offset);
        }
        ReentrantReadWriteLock data = cache.lockFor(fileId);
        data.readLock().lock();
        try {
            Inode current = store.read(tx -> tx.inode(fileId));
            if (current == null) {
                throw new FsException(FsError.STALE, "inode " + fileId + " no longer exists");
            }
            long upTo = Math.min(current.size(), end);
            int length = (int) Math.max(0, upTo - offset);
            if (length == 0) {
                return new Bytes(BufferPool.Loan.unpooled(ByteBuffer.allocate(0)), current);
            }
            // Straight from the file into a direct buffer that the reply writes as it is: a heap buffer cost a
            // fresh zeroed allocation per READ, a copy through the JDK's own direct buffer, and another into the
            // reply's direct buffer.
            BufferPool.Loan loan = buffers.lend(length);
            try {
                cache.read(fileId, offset, loan.bytes());
            } catch (IOException | RuntimeException e) {
                loan.release(); // nobody else has seen it
                throw e;
            }
            cache.touch(fileId);
            loan.bytes().flip();
            return new Bytes(loan, current);
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot read cache file of inode " + fileId, e);
        } finally {
            data.readLock().unlock();
        }
    }

    /** Brings [offset, end) of a file into the cache from its object; S3 trouble asks the client to retry. */
    private void fill(Inode snapshot, long offset, long end, ObjectFetcher.Progress progress) throws FsException {
        try {
            if (!fetcher.fill(snapshot, offset, end, snapshot.baseEtag(), progress)) {
                objectChanged.accept(snapshot); // shorter than we knew: revalidation fixes the size
            }
        } catch (ObjectStoreException e) {
            if (e.preconditionFailed() && snapshot.isDirty()) {
                // Changed through S3 under our unsynced changes: ours win where we have them, theirs fill the rest.
                log.warn("object of inode {} changed in S3 while it has unsynced changes here", snapshot.id());
                try {
                    fetcher.fill(snapshot, offset, end, null, progress);
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

    /** Stops fetching and waits for the fetches in flight: the store and cache close next. */
    public void close() {
        prefetcher.close();
    }
}
