package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.JournalRecord;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.WriteTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Makes small writes durable through the metadata log instead of an fsync of each file's cache file. A COMMIT of a
 * few KiB (what a kernel client sends when it closes a small file) puts the bytes into a journal record of the
 * metadata store; the record's transaction shares its log sync with every other durable change in flight (group
 * commit), where an fsync per cache file made each small file cost its own disk flush. A background checkpoint syncs
 * the journaled cache files later, many at a time and off the request path, and retires their records; after a crash,
 * {@link #recover} replays the records that were not retired into their cache files before anything is served.
 * Large unsynced amounts are still synced in the cache file, where an fsync is cheap per byte and a copy is not.
 */
public final class DataJournal {

    private static final Logger log = LoggerFactory.getLogger(DataJournal.class);

    /** Up to this many unsynced bytes of a file go into the metadata log at COMMIT; beyond it the file is synced. */
    public static final int MAX_JOURNAL_BYTES = 256 << 10;

    private final MetadataStore store;
    private final DataCache cache;
    /** What UNSTABLE writes left only in the page cache, per file, since its last sync or journal record. */
    private final Map<Long, Unsynced> unsynced = new ConcurrentHashMap<>();
    /** Files with journal records, and their last record's sequence: what the checkpoint syncs and retires. */
    private final Map<Long, Long> journaled = new ConcurrentHashMap<>();

    /** A file's unsynced writes: their ranges in write order, or only the fact that they are too many to journal. */
    private static final class Unsynced {
        private final List<long[]> ranges = new ArrayList<>();
        private long bytes;
        private boolean tooMany;

        void add(long offset, int length) {
            bytes += length;
            if (bytes > MAX_JOURNAL_BYTES) {
                tooMany = true;
                ranges.clear();
            } else {
                ranges.add(new long[]{offset, length});
            }
        }
    }

    public DataJournal(MetadataStore store, DataCache cache) {
        this.store = store;
        this.cache = cache;
    }

    /**
     * Replays the records left by an unclean stop into their cache files, syncs them and retires the records: before
     * the file system serves anything or the sync engine uploads a cache file.
     */
    public void recover() throws IOException {
        List<JournalRecord> records = store.read(tx -> tx.journal());
        if (records.isEmpty()) {
            return;
        }
        Map<Long, Long> last = new LinkedHashMap<>();
        long bytes = 0;
        for (JournalRecord r : records) {
            for (JournalRecord.Piece p : r.pieces()) {
                cache.write(r.fileId(), p.offset(), ByteBuffer.wrap(p.bytes()));
            }
            bytes += r.bytes();
            last.merge(r.fileId(), r.sequence(), Math::max);
        }
        for (long fileId : last.keySet()) {
            cache.force(fileId);
        }
        store.write(Durability.SYNC, tx -> {
            last.forEach(tx::retireJournal);
            return null;
        });
        log.info("replayed {} journal records ({} bytes) into {} cache files written before an unclean stop",
                records.size(), bytes, last.size());
    }

    /** An UNSTABLE write put these bytes into the file's cache file, which nobody has synced since. */
    public void written(long fileId, long offset, int length) {
        unsynced.compute(fileId, (id, u) -> {
            Unsynced pending = u == null ? new Unsynced() : u;
            pending.add(offset, length);
            return pending;
        });
    }

    /**
     * Makes every byte written to the file so far durable once the metadata log is synced (COMMIT): few bytes as a
     * journal record, many by syncing the cache file. The caller syncs the log after this and holds no lock.
     */
    public void commit(long fileId) throws IOException {
        ReentrantReadWriteLock data = cache.lockFor(fileId);
        boolean force;
        // The file's writers, readers and other commits wait while its bytes are read and journaled: the record holds
        // the newest bytes, and records of one file (a commit's, a stable write's) are in the order their bytes were
        // written, so that a replay ends with the newest.
        data.writeLock().lock();
        try {
            Unsynced pending = unsynced.remove(fileId);
            if (pending == null) {
                return;
            }
            force = pending.tooMany;
            if (!force) {
                List<JournalRecord.Piece> pieces = read(fileId, pending.ranges);
                long sequence = store.write(Durability.BUFFERED, tx -> tx.journal(fileId, pieces));
                journaled.merge(fileId, sequence, Math::max);
            }
        } finally {
            data.writeLock().unlock();
        }
        if (force) {
            cache.force(fileId);
        }
    }

    private List<JournalRecord.Piece> read(long fileId, List<long[]> ranges) throws IOException {
        List<JournalRecord.Piece> pieces = new ArrayList<>(ranges.size());
        for (long[] r : ranges) {
            ByteBuffer bytes = ByteBuffer.allocate((int) r[1]);
            cache.read(fileId, r[0], bytes);
            pieces.add(new JournalRecord.Piece(r[0], bytes.array()));
        }
        return pieces;
    }

    /**
     * Journals a stable WRITE's bytes (at most {@link #MAX_JOURNAL_BYTES}) in the caller's transaction; returns the
     * record's sequence for {@link #journaled}.
     */
    public long journal(WriteTransaction tx, long fileId, long offset, ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return tx.journal(fileId, List.of(new JournalRecord.Piece(offset, bytes)));
    }

    /** The transaction holding the file's record {@code sequence} committed. */
    public void journaled(long fileId, long sequence) {
        journaled.merge(fileId, sequence, Math::max);
    }

    /**
     * The file's cache file was synced in the caller's transaction's stead (a truncate): its unsynced writes and
     * journal records are on disk, and the records go with this transaction.
     */
    public void synced(WriteTransaction tx, long fileId) {
        unsynced.remove(fileId);
        Long sequence = journaled.remove(fileId);
        if (sequence != null) {
            tx.retireJournal(fileId, sequence);
        }
    }

    /**
     * Syncs the cache files that have journal records and retires the records, in one transaction: run in the
     * background, so the fsyncs the journal saved the clients are paid here, off their path. Returns how many files.
     */
    public int checkpoint() throws IOException {
        // A file removed with writes nobody committed leaves nothing to make durable.
        unsynced.keySet().removeIf(fileId -> !Files.exists(cache.file(fileId)));
        Map<Long, Long> due = new HashMap<>(journaled);
        if (due.isEmpty()) {
            return 0;
        }
        for (long fileId : due.keySet()) {
            cache.forceIfPresent(fileId); // a file removed meanwhile took its records with its inode
        }
        store.write(Durability.BUFFERED, tx -> {
            due.forEach(tx::retireJournal);
            return null;
        });
        due.forEach(journaled::remove);
        return due.size();
    }

    /** How many files have journal records not retired yet. */
    int journaledFiles() {
        return journaled.size();
    }
}
