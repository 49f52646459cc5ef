package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.RangeSet;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Fills gaps of a file's cache from its object in the bucket (ranged GETs pinned to the ETag the file was last
 * synced with). Bytes written locally meanwhile are never overwritten: only what is still missing is filled.
 */
public final class ObjectFetcher {

    /** The most one GET asks for: a prefetcher's part, so that a part is one request. */
    private static final long CHUNK = Prefetcher.PART;
    /**
     * How much of a response is stored at a time: the size of a client's READ (NFS rsize), so a reader waits for
     * about its own bytes, and each request holds no more than this on the heap.
     */
    private static final int SLICE = 1 << 20;

    private final MetadataStore store;
    private final DataCache cache;
    private final ObjectStore objects;

    public ObjectFetcher(MetadataStore store, DataCache cache, ObjectStore objects) {
        this.store = store;
        this.cache = cache;
        this.objects = objects;
    }

    /** Told how far a fill has got: every byte of its range before {@code upTo} is in the cache or was not missing. */
    @FunctionalInterface
    public interface Progress {
        void reached(long upTo);
    }

    /**
     * Makes [from, to) of the file present in the cache. Bytes beyond the synced object are holes and stay so.
     *
     * @param expectedEtag the ETag to pin reads to, or null to take the object as it is now
     * @return false if the object turned out shorter than recorded
     */
    public boolean fill(Inode snapshot, long from, long to, String expectedEtag) throws ObjectStoreException {
        return fill(snapshot, from, to, expectedEtag, upTo -> { });
    }

    /**
     * As {@link #fill(Inode, long, long, String)}, storing each slice of a response as it arrives and telling
     * {@code progress}, so that a reader waiting for the first bytes of a range need not wait for its last.
     */
    public boolean fill(Inode snapshot, long from, long to, String expectedEtag, Progress progress)
            throws ObjectStoreException {
        String key = snapshot.syncedKeys().isEmpty() ? null : snapshot.syncedKeys().get(0);
        if (key == null) {
            return true;
        }
        for (RangeSet.Range gap : snapshot.present().gaps(from, Math.min(to, snapshot.baseLength()))) {
            long pos = gap.start();
            while (pos < gap.end()) {
                long len = Math.min(gap.end() - pos, CHUNK);
                long got = objects.readSlices(key, pos, len, expectedEtag, SLICE, (at, slice) -> {
                    long sliceEnd = at + slice.remaining();
                    store(snapshot, at, slice);
                    progress.reached(sliceEnd);
                });
                if (got == 0) {
                    return false;
                }
                pos += got;
            }
        }
        return true;
    }

    /**
     * Writes the parts of a fetched slice that are still missing into the cache file, then marks them present.
     * The bytes are written outside the metadata transaction: every other call of the node (each READ looks at its
     * inode) waits for the metadata lock, and a cold read stores a slice per MiB, so holding that lock across the
     * write made the whole node wait behind the parts being stored. The file's data lock is held alone throughout,
     * as before: no writer, truncation, eviction or other fill of the file changes which bytes are missing between
     * the look and the mark. What does not take it (the importer taking a new object of the same name) shows as a
     * new ETag at the mark: the bytes written then stay unmarked, as unread as any gap, until a fill overwrites them.
     */
    private void store(Inode snapshot, long pos, ByteBuffer bytes) {
        long fetchedEnd = pos + bytes.remaining();
        ReentrantReadWriteLock data = cache.lockFor(snapshot.id());
        data.writeLock().lock();
        try {
            List<RangeSet.Range> missing = store.read(tx -> {
                Inode current = tx.inode(snapshot.id());
                if (current == null || !Objects.equals(current.baseEtag(), snapshot.baseEtag())) {
                    return List.<RangeSet.Range>of();
                }
                return current.present().gaps(pos, Math.min(fetchedEnd, current.baseLength()));
            });
            if (missing.isEmpty()) {
                return;
            }
            for (RangeSet.Range r : missing) {
                ByteBuffer slice = bytes.duplicate();
                slice.limit((int) (r.end() - pos)).position((int) (r.start() - pos));
                cache.write(snapshot.id(), r.start(), slice);
            }
            store.write(Durability.BUFFERED, tx -> {
                Inode current = tx.inode(snapshot.id());
                if (current == null || !Objects.equals(current.baseEtag(), snapshot.baseEtag())) {
                    return null;
                }
                boolean marked = false;
                for (RangeSet.Range r : missing) {
                    for (RangeSet.Range gap : current.present().gaps(r.start(),
                            Math.min(r.end(), current.baseLength()))) {
                        current.cached(gap.start(), gap.end());
                        marked = true;
                    }
                }
                if (marked) {
                    tx.putInodeQuietly(current);
                    cache.recordUsage(current.id(), current.present().totalLength());
                }
                return null;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cache file of inode " + snapshot.id(), e);
        } finally {
            data.writeLock().unlock();
        }
    }
}
