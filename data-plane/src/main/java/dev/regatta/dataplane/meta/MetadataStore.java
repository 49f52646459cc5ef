package dev.regatta.dataplane.meta;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.regatta.dataplane.model.TransactionScope;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Inodes, directory entries and the sync queue in one RocksDB database, behind two doors: {@link #read} and
 * {@link #write}. The store owns its lock and its transactions; nothing else locks the metadata, and no caller
 * sees a half-applied change. Each write transaction is one atomic RocksDB batch.
 */
public final class MetadataStore implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    /** When an inode first and last changed without being synced since (epoch millis). */
    public record DirtyMark(long firstMillis, long lastMillis) {
    }

    /** A directory entry with its stable cookie. */
    public record Entry(String name, long childId, long cookie) {
    }

    private static final byte[] NEXT_ID = "next-id".getBytes(StandardCharsets.UTF_8);
    /** The file system's file handle key: made by its first writer, then the same on every member of its group. */
    private static final byte[] HANDLE_KEY = "handle-key".getBytes(StandardCharsets.UTF_8);
    /** Before a lock service record's name: what NLM keeps for whoever serves the file system's locks next. */
    private static final String LOCK_RECORD = "nlm-";
    /**
     * The inode cache's bound, in estimated heap bytes ({@link Inode#weight}): the store is the truth and the heap
     * holds the inodes in use, however many the file system has (about 100,000 plain files' inodes fit).
     */
    private static final long INODE_CACHE_BYTES = 32L << 20;

    private final RocksDB db;
    /** Where the database's files are. */
    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final ColumnFamilyHandle settings;
    private final ColumnFamilyHandle inodes;
    private final ColumnFamilyHandle entries;
    private final ColumnFamilyHandle cookies;
    private final ColumnFamilyHandle dirty;
    private final ColumnFamilyHandle deletes;
    private final ColumnFamilyHandle tombstones;
    private final ColumnFamilyHandle journal;
    private final WriteOptions asyncWrite = new WriteOptions().setSync(false);
    /**
     * Decoded inodes, shared by concurrent readers; changed only by a committing write transaction (which holds the
     * lock alone), so a reader never sees a change of a transaction that is not written. Evicts on its caller's thread.
     */
    private final Cache<Long, Inode> inodeCache = Caffeine.newBuilder()
            .maximumWeight(INODE_CACHE_BYTES)
            .weigher((Long id, Inode inode) -> inode.weight())
            .executor(Runnable::run)
            .build();
    /** Taken only under the write lock. */
    private long nextId;
    /** The next journal record's sequence; taken only under the write lock, so records are in commit order. */
    private long nextJournalSequence;
    /**
     * The metadata lock: read transactions share it, a write transaction holds it alone from its first read to its
     * batch's write (so its reads stay true until it commits), never across a log sync.
     */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final DurableLog log;
    /** A closed RocksDB must not be touched again (it crashes the JVM); late callers get an exception instead. */
    private volatile boolean closed;

    /** Makes the log a store writes through, once the store's database is open. */
    private interface LogFactory {
        DurableLog open(MetadataStore store, RocksDB db);
    }

    private MetadataStore(Path dir, LogFactory logs) throws RocksDBException {
        this.dir = dir;
        this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        this.cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : List.of("default", "inodes", "entries", "cookies", "dirty", "deletes",
                "tombstones", "journal")) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        this.settings = handles.get(0);
        this.inodes = handles.get(1);
        this.entries = handles.get(2);
        this.cookies = handles.get(3);
        this.dirty = handles.get(4);
        this.deletes = handles.get(5);
        this.tombstones = handles.get(6);
        this.journal = handles.get(7);
        byte[] stored = db.get(settings, NEXT_ID);
        this.nextId = stored == null ? 1 : ByteBuffer.wrap(stored).getLong();
        this.nextJournalSequence = lastJournalSequence() + 1;
        this.log = logs.open(this, db);
    }

    private long lastJournalSequence() {
        long last = 0;
        try (RocksIterator it = db.newIterator(journal)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                last = Math.max(last, ByteBuffer.wrap(it.key()).getLong(8));
            }
        }
        return last;
    }

    /** Opens the store of a file system served by this node alone: durable on this node's disk. */
    public static MetadataStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            return new MetadataStore(dir, (store, db) -> new WalGroupSync(db));
        } catch (Exception e) {
            throw new MetadataException("cannot open the metadata store in " + dir, e);
        }
    }

    /**
     * Opens the store of a file system replicated by a group of nodes ({@link ReplicatedLog}), whose log this node
     * keeps through its {@code server}: it joins the group at once, applies what the group's leader writes, and
     * accepts writes only while this member leads ({@link #writable}); a durable write returns once a majority of the
     * group holds it.
     */
    public static MetadataStore openReplicated(Path dir, ReplicationServer server, Replication replication,
                                               FollowerFiles files) {
        MetadataStore store;
        try {
            Files.createDirectories(dir);
            store = new MetadataStore(dir, (s, db) -> new ReplicatedLog(s, replication, server, files));
        } catch (Exception e) {
            throw new MetadataException("cannot open the metadata store in " + dir, e);
        }
        try {
            ((ReplicatedLog) store.log).start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    Inode inode(long id) {
        Inode cached = inodeCache.getIfPresent(id);
        if (cached != null) {
            return cached.copy();
        }
        byte[] data = get(inodes, longKey(id));
        if (data == null) {
            return null;
        }
        Inode inode = Inode.decode(data);
        inodeCache.put(id, inode);
        return inode.copy();
    }

    /** The child named {@code name} in directory {@code parentId}, or null. */
    Entry lookup(long parentId, String name) {
        byte[] value = get(entries, entryKey(parentId, name));
        if (value == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        return new Entry(name, b.getLong(), b.getLong());
    }

    /** Entries of a directory with cookies greater than {@code afterCookie}, in cookie order. */
    List<Entry> entries(long parentId, long afterCookie, int max) {
        List<Entry> list = new ArrayList<>();
        byte[] prefix = longKey(parentId);
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = iterator(cookies, ro)) {
            it.seek(cookieKey(parentId, afterCookie + 1));
            while (it.isValid() && list.size() < max && startsWith(it.key(), prefix)) {
                long cookie = ByteBuffer.wrap(it.key()).getLong(8);
                String name = new String(it.value(), StandardCharsets.UTF_8);
                Entry e = lookup(parentId, name);
                // A cookie row whose name now lives at another cookie is stale: the name is listed once, at its
                // current cookie, or a directory read in pages shows it twice.
                if (e != null && e.cookie() == cookie) {
                    list.add(e);
                }
                it.next();
            }
        }
        return list;
    }

    boolean hasEntries(long parentId) {
        return !entries(parentId, 0, 1).isEmpty();
    }

    Map<Long, DirtyMark> dirtyQueue() {
        return dirtyQueue(-1, Integer.MAX_VALUE);
    }

    /** At most {@code max} queued inodes with ids above {@code afterId}, by id. */
    Map<Long, DirtyMark> dirtyQueue(long afterId, int max) {
        Map<Long, DirtyMark> queue = new LinkedHashMap<>();
        try (RocksIterator it = iterator(dirty)) {
            for (it.seek(longKey(afterId + 1)); it.isValid() && queue.size() < max; it.next()) {
                ByteBuffer v = ByteBuffer.wrap(it.value());
                queue.put(ByteBuffer.wrap(it.key()).getLong(), new DirtyMark(v.getLong(), v.getLong()));
            }
        }
        return queue;
    }

    DirtyMark dirtyMark(long id) {
        byte[] v = get(dirty, longKey(id));
        if (v == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        return new DirtyMark(b.getLong(), b.getLong());
    }

    /** The file system's handle key, or null before its first writer made one. */
    byte[] handleKey() {
        return get(settings, HANDLE_KEY);
    }

    /** A lock service record ({@code hosts}, {@code state}), or null. */
    byte[] lockRecord(String name) {
        return get(settings, (LOCK_RECORD + name).getBytes(StandardCharsets.UTF_8));
    }

    /** Keys waiting to be deleted from the bucket (not those already deleted and kept as recent). */
    List<String> pendingDeletes(int max) {
        List<String> keys = new ArrayList<>();
        try (RocksIterator it = iterator(deletes)) {
            for (it.seekToFirst(); it.isValid() && keys.size() < max; it.next()) {
                if (ByteBuffer.wrap(it.value()).getLong(8) == 0) {
                    keys.add(new String(it.key(), StandardCharsets.UTF_8));
                }
            }
        }
        return keys;
    }

    boolean isPendingDelete(String key) {
        byte[] v = get(deletes, key.getBytes(StandardCharsets.UTF_8));
        return v != null && ByteBuffer.wrap(v).getLong(8) == 0;
    }

    /**
     * Whether we deleted the key from the bucket at or after {@code millis}: a listing taken before then may still
     * show it, and must not bring it back.
     */
    boolean deletedSince(String key, long millis) {
        byte[] v = get(deletes, key.getBytes(StandardCharsets.UTF_8));
        return v != null && ByteBuffer.wrap(v).getLong(8) >= millis && ByteBuffer.wrap(v).getLong(8) != 0;
    }

    /** Deletions completed before {@code millis}, which no listing in flight can predate any more. */
    List<String> completedDeletesBefore(long millis, int max) {
        List<String> keys = new ArrayList<>();
        try (RocksIterator it = iterator(deletes)) {
            for (it.seekToFirst(); it.isValid() && keys.size() < max; it.next()) {
                long completed = ByteBuffer.wrap(it.value()).getLong(8);
                if (completed != 0 && completed < millis) {
                    keys.add(new String(it.key(), StandardCharsets.UTF_8));
                }
            }
        }
        return keys;
    }

    /**
     * Whether a name was removed or renamed away from a directory here while the bucket may still show it: a
     * listing must not bring it back.
     */
    boolean hasTombstone(long parentId, String name) {
        return get(tombstones, entryKey(parentId, name)) != null;
    }

    /** The tombstoned names of a directory. */
    List<String> tombstones(long parentId) {
        List<String> names = new ArrayList<>();
        byte[] prefix = longKey(parentId);
        try (RocksIterator it = iterator(tombstones)) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                names.add(new String(it.key(), 8, it.key().length - 8, StandardCharsets.UTF_8));
            }
        }
        return names;
    }

    /** Every journal record, by file and then in order. */
    List<JournalRecord> journal() {
        List<JournalRecord> records = new ArrayList<>();
        try (RocksIterator it = iterator(journal)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ByteBuffer key = ByteBuffer.wrap(it.key());
                records.add(JournalRecord.decode(key.getLong(0), key.getLong(8), it.value()));
            }
        }
        return records;
    }

    /** Whether any local change is still on its way to the bucket (uploads or deletions). */
    boolean syncBacklogEmpty() {
        try (RocksIterator d = iterator(dirty)) {
            d.seekToFirst();
            if (d.isValid()) {
                return false;
            }
        }
        return pendingDeletes(1).isEmpty();
    }

    /**
     * The read door: runs {@code body} against committed state, beside other readers and never beside a writer.
     * Reads may nest inside another transaction of this thread; the body must not call S3 ({@link TransactionScope}).
     */
    public <T, E extends Exception> T read(Body<ReadTransaction, T, E> body) throws E {
        lock.readLock().lock();
        TransactionScope.enter();
        try {
            ensureOpen();
            return body.run(new ReadTransaction(this));
        } finally {
            TransactionScope.exit();
            lock.readLock().unlock();
        }
    }

    /**
     * The write door: every change to the metadata is one call of this. The body reads committed state and stages
     * changes; if it returns, they are written together, and with {@link Durability#SYNC} they are on disk before
     * this returns; if it throws, nothing is written. Durable transactions share log syncs (group commit, {@link
     * DurableLog}): the lock is released before the sync, so callers queued behind it do not wait for each other's
     * fsyncs, and one fsync covers every transaction written before it. Write transactions do not nest, and the body
     * must not call S3 ({@link TransactionScope}): this is the boundary a replicated log will take later.
     */
    public <T, E extends Exception> T write(Durability durability, Body<WriteTransaction, T, E> body) throws E {
        if (lock.isWriteLockedByCurrentThread() || lock.getReadHoldCount() > 0) {
            throw new IllegalStateException("a write transaction inside another transaction of this thread");
        }
        long sequence;
        T result;
        boolean sync = durability == Durability.SYNC;
        lock.writeLock().lock();
        TransactionScope.enter();
        try {
            ensureOpen();
            if (!log.writable()) {
                throw new MetadataException("this node does not lead the file system's replication group now", null);
            }
            WriteTransaction tx = new WriteTransaction(this, new Batch());
            result = body.run(tx);
            sequence = tx.commit();
            sync |= tx.syncRequested();
        } finally {
            TransactionScope.exit();
            lock.writeLock().unlock();
        }
        if (sync) {
            ensureOpen();
            log.awaitDurable(sequence);
        }
        return result;
    }

    /** What a transaction body does with the transaction it is given. */
    @FunctionalInterface
    public interface Body<X, T, E extends Exception> {
        T run(X tx) throws E;
    }

    /**
     * The log position of the last committed write transaction: while it stays the same, so does everything the
     * store holds (for answers computed from the whole store and kept until the next change).
     */
    public long position() {
        return db.getLatestSequenceNumber();
    }

    /** Makes every earlier transaction durable (for COMMIT after UNSTABLE writes); shares syncs like {@link #write}. */
    public void syncWal() {
        ensureOpen();
        log.awaitDurable(log.lastWritten());
    }

    /** Whether file bytes travel with transactions ({@link WriteTransaction#replicateWrite}): a replicated store. */
    public boolean replicated() {
        return log.carriesFiles();
    }

    /**
     * Tells {@code leadership} when this store starts and stops taking writes: at once if it takes them now (a store
     * alone always does), and on every change of its group's leader.
     */
    public void onLeadership(Leadership leadership) {
        log.onLeadership(leadership);
    }

    /** The last entry of its replication group's log this store has applied (-1 alone): how far it has caught up. */
    public long appliedLogIndex() {
        return log.appliedIndex();
    }

    /**
     * The store's replication group should have these members now (the control plane replaced one): its leader changes
     * the group to them.
     *
     * @throws IllegalStateException for a store of this node's own
     */
    public void reconfigure(Replication members) {
        if (!(log instanceof ReplicatedLog replicated)) {
            throw new IllegalStateException("the metadata store is this node's own; it has no group to change");
        }
        replicated.reconfigure(members);
    }

    /** The replication group's current term as this member knows it; 0 for a store of this node's own. */
    public long replicationTerm() {
        return log.term();
    }

    /** Whether this store takes writes now: always alone, only while leading its group when replicated. */
    public boolean writable() {
        return !closed && log.writable();
    }

    /**
     * Applies a transaction that another member of the group wrote (a follower applying the replicated log): its
     * file changes to this member's cache files first, then its batch. Batches hold absolute puts and deletes, so
     * applying one again after a restart, in log order, leaves the same state. An inode's cached ranges are this
     * member's own: of those the leader's inode lists, it keeps the ones its cache file holds (what it held before,
     * cut where the file was cut, what this entry wrote, and zeros where the file grew), so that a new leader never
     * serves bytes it lacks; what the leader fetched from S3 it fetches again itself when asked.
     */
    void applyReplicated(byte[] data, List<FileOp> ops, FollowerFiles files) {
        Map<Long, RangeSet> written = new HashMap<>();
        Map<Long, Long> cutTo = new HashMap<>();
        try {
            for (FileOp op : ops) {
                if (op.kind() == FileOp.WRITE) {
                    files.write(op.fileId(), op.offset(), op.bytes());
                    written.computeIfAbsent(op.fileId(), id -> new RangeSet())
                            .add(op.offset(), op.offset() + op.bytes().remaining());
                } else {
                    files.truncate(op.fileId(), op.offset());
                    cutTo.merge(op.fileId(), op.offset(), Math::min);
                    RangeSet w = written.get(op.fileId());
                    if (w != null) {
                        w.truncate(op.offset());
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new MetadataException("cannot apply a replicated change to a cache file", e);
        }
        List<Long> deleted = new ArrayList<>();
        List<Long> dropped = new ArrayList<>();
        lock.writeLock().lock();
        try {
            ensureOpen();
            try (WriteBatch batch = new WriteBatch(data)) {
                Map<Long, byte[]> puts = new HashMap<>();
                batch.iterate(new InodeChanges(inodes.getID(), puts, deleted));
                for (Map.Entry<Long, byte[]> put : puts.entrySet()) {
                    long id = put.getKey();
                    Inode theirs = Inode.decode(put.getValue());
                    Inode ours = inode(id);
                    RangeSet held = ours == null ? new RangeSet() : ours.present().copy();
                    long size = ours == null ? 0 : ours.size();
                    Long cut = cutTo.get(id);
                    if (cut != null) {
                        held.truncate(cut);
                        size = Math.min(size, cut);
                    }
                    // Past its size a cache file holds nothing (a cut travels, a write extends the size): a file
                    // grown by a write or a SETATTR reads as zeros there, on every member alike.
                    if (theirs.size() > size) {
                        held.add(size, theirs.size());
                    }
                    RangeSet w = written.get(id);
                    if (w != null) {
                        w.ranges().forEach(r -> held.add(r.start(), r.end()));
                    }
                    if (theirs.retainPresent(held)) {
                        // A later put of a key in one batch wins: the batch stays one atomic write.
                        batch.put(inodes, longKey(id), theirs.encode());
                    }
                    if (theirs.present().isEmpty() && !held.isEmpty()) {
                        dropped.add(id); // the leader evicted the file: its bytes come from S3 again, here too
                    }
                }
                db.write(asyncWrite, batch);
            }
            inodeCache.invalidateAll();
        } catch (RocksDBException e) {
            throw new MetadataException("cannot apply a replicated metadata change", e);
        } finally {
            lock.writeLock().unlock();
        }
        deleted.forEach(files::delete);
        dropped.forEach(files::delete);
    }

    /** Collects the inodes a batch puts (their new encodings) and deletes. */
    private static final class InodeChanges extends WriteBatch.Handler {
        private final int inodesFamily;
        private final Map<Long, byte[]> puts;
        private final List<Long> deleted;

        InodeChanges(int inodesFamily, Map<Long, byte[]> puts, List<Long> deleted) {
            this.inodesFamily = inodesFamily;
            this.puts = puts;
            this.deleted = deleted;
        }

        @Override
        public void put(int family, byte[] key, byte[] value) {
            if (family == inodesFamily) {
                puts.put(ByteBuffer.wrap(key).getLong(), value);
            }
        }

        @Override
        public void delete(int family, byte[] key) {
            if (family == inodesFamily) {
                long id = ByteBuffer.wrap(key).getLong();
                puts.remove(id);
                deleted.add(id);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
        }

        @Override
        public void merge(int family, byte[] key, byte[] value) {
        }

        @Override
        public void merge(byte[] key, byte[] value) {
        }

        @Override
        public void delete(byte[] key) {
        }

        @Override
        public void singleDelete(int family, byte[] key) {
        }

        @Override
        public void singleDelete(byte[] key) {
        }

        @Override
        public void deleteRange(int family, byte[] begin, byte[] end) {
        }

        @Override
        public void deleteRange(byte[] begin, byte[] end) {
        }

        @Override
        public void logData(byte[] blob) {
        }

        @Override
        public void putBlobIndex(int family, byte[] key, byte[] value) {
        }

        @Override
        public void markBeginPrepare() {
        }

        @Override
        public void markEndPrepare(byte[] xid) {
        }

        @Override
        public void markNoop(boolean emptyBatch) {
        }

        @Override
        public void markRollback(byte[] xid) {
        }

        @Override
        public void markCommit(byte[] xid) {
        }

        @Override
        public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
        }
    }

    /**
     * This member starts to lead, with every earlier entry of the log applied: the counters a writer takes from are
     * read again from what the previous leaders wrote, and no inode decoded before stays cached.
     */
    void resumeAsWriter() {
        lock.writeLock().lock();
        try {
            ensureOpen();
            byte[] stored = db.get(settings, NEXT_ID);
            nextId = stored == null ? 1 : ByteBuffer.wrap(stored).getLong();
            nextJournalSequence = lastJournalSequence() + 1;
            inodeCache.invalidateAll();
        } catch (RocksDBException e) {
            throw new MetadataException("cannot read the metadata store", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // --- a copy of the whole store, from a group's leader to a member behind its log (StoreCopy) ---

    /** Records of one column family, in key order, and whether more follow. */
    record Records(List<byte[][]> records, boolean more) {
    }

    /** Views open for copies: released before the database closes (RocksDB must not hold one then). */
    private final Set<View> views = ConcurrentHashMap.newKeySet();

    /** The store's column families: a copy sends each by its index, which {@link #openView} and the receiver share. */
    int families() {
        return handles.size();
    }

    /** The index of the inodes' family, whose records a copy rewrites (each member's cached ranges are its own). */
    int inodeFamily() {
        return handles.indexOf(inodes);
    }

    /** The whole store as it is now, unchanged by later writes until the view closes (a RocksDB snapshot). */
    View openView() {
        lock.readLock().lock();
        try {
            ensureOpen();
            View view = new View(db.getSnapshot());
            views.add(view);
            return view;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A consistent view of every family for a copy; see {@link #openView}. */
    final class View implements AutoCloseable {
        private final Snapshot snapshot;
        private final ReadOptions options;

        private View(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.options = new ReadOptions().setSnapshot(snapshot);
        }

        /** The store's column families. */
        int families() {
            return handles.size();
        }

        /** Records of {@code family} after {@code after} (null: from its first), up to about {@code maxBytes}. */
        Records records(int family, byte[] after, int maxBytes) {
            List<byte[][]> out = new ArrayList<>();
            lock.readLock().lock();
            try {
                ensureOpen();
                if (!views.contains(this)) {
                    throw new MetadataException("the copy's view of the metadata store is closed", null);
                }
                try (RocksIterator it = db.newIterator(handles.get(family), options)) {
                    if (after == null) {
                        it.seekToFirst();
                    } else {
                        it.seek(after);
                        if (it.isValid() && Arrays.equals(it.key(), after)) {
                            it.next();
                        }
                    }
                    int bytes = 0;
                    for (; it.isValid() && bytes < maxBytes; it.next()) {
                        byte[] key = it.key();
                        byte[] value = it.value();
                        out.add(new byte[][]{key, value});
                        bytes += key.length + value.length + 8;
                    }
                    return new Records(out, it.isValid());
                }
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        public void close() {
            lock.readLock().lock();
            try {
                if (views.remove(this) && !closed) {
                    db.releaseSnapshot(snapshot);
                }
                options.close();
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    /**
     * Empties the store before a copy replaces it: each inode's cache file goes first (through {@code files}), then
     * every record of every family.
     */
    void clearForCopy(FollowerFiles files) {
        List<Long> ids = new ArrayList<>();
        lock.writeLock().lock();
        try {
            ensureOpen();
            try (RocksIterator it = db.newIterator(inodes)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    ids.add(ByteBuffer.wrap(it.key()).getLong());
                }
            }
            ids.forEach(files::delete);
            // Past every key: keys are at most an 8-byte parent and a 255-byte name, or a settings name.
            byte[] end = new byte[1024];
            Arrays.fill(end, (byte) 0xff);
            for (ColumnFamilyHandle family : handles) {
                db.deleteRange(family, new byte[0], end);
            }
            inodeCache.invalidateAll();
        } catch (RocksDBException e) {
            throw new MetadataException("cannot empty the metadata store for a copy", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Writes records a copy brought into {@code family}, as they are. */
    void putCopied(int family, List<byte[][]> records) {
        lock.writeLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            ensureOpen();
            for (byte[][] record : records) {
                batch.put(handles.get(family), record[0], record[1]);
            }
            db.write(asyncWrite, batch);
            inodeCache.invalidateAll();
        } catch (RocksDBException e) {
            throw new MetadataException("cannot write a copy into the metadata store", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Where the database's files are: a replicated log keeps a marker beside them. */
    Path directory() {
        return dir;
    }

    /** Runs {@code body} while no write transaction runs or starts (under the write lock). */
    <T> T exclusive(java.util.function.Supplier<T> body) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            return body.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Writes every change applied so far into the database's files (a snapshot of the replicated log). */
    void flush() {
        ensureOpen();
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handles);
        } catch (RocksDBException e) {
            throw new MetadataException("cannot flush the metadata store", e);
        }
    }

    /** Closes the store once no transaction runs; later transactions get a {@link MetadataException}. */
    @Override
    public void close() {
        // The log first and outside the lock: a replicated log's apply thread may be waiting for the lock, and its
        // server stops only once that thread has.
        log.close();
        lock.writeLock().lock();
        try {
            closeDatabase();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void closeDatabase() {
        if (closed) {
            return;
        }
        closed = true;
        for (View view : List.copyOf(views)) {
            views.remove(view);
            db.releaseSnapshot(view.snapshot);
        }
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handles);
        } catch (RocksDBException e) {
            // the log still has everything; flushing only shortens the next start
        }
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        dbOptions.close();
        cfOptions.close();
        asyncWrite.close();
    }

    /** Changes applied together or not at all: what a {@link WriteTransaction} stages. */
    final class Batch {
        private final WriteBatch batch = new WriteBatch();
        private final Map<Long, Inode> putInodes = new HashMap<>();
        private final List<Long> deletedInodes = new ArrayList<>();
        private long allocated = nextId;
        private long journaled;
        private List<FileOp> fileOps = List.of();

        /** Kept only when the log carries file bytes: alone, the node's own cache file and journal keep them. */
        void fileOp(FileOp op) {
            if (log.carriesFiles()) {
                if (fileOps.isEmpty()) {
                    fileOps = new ArrayList<>();
                }
                fileOps.add(op);
            }
        }

        long allocateId() {
            return allocated++;
        }

        Batch putInode(Inode inode) {
            inode.nextVersion();
            putInodes.put(inode.id(), inode);
            return this;
        }

        /** Stores the inode without counting it as a change (sync bookkeeping). */
        Batch putInodeQuietly(Inode inode) {
            putInodes.put(inode.id(), inode);
            return this;
        }

        Batch deleteInode(long id) {
            putInodes.remove(id);
            deletedInodes.add(id);
            return op(() -> {
                batch.delete(inodes, longKey(id));
                batch.deleteRange(journal, journalKey(id, 0), journalKey(id + 1, 0));
            });
        }

        /** Journals file bytes; returns the record's sequence, which {@link #retireJournal} takes back. */
        long journal(long fileId, List<JournalRecord.Piece> pieces) {
            long sequence = nextJournalSequence + journaled++;
            byte[] value = new JournalRecord(fileId, sequence, pieces).encodePieces();
            op(() -> batch.put(journal, journalKey(fileId, sequence), value));
            return sequence;
        }

        /** Drops a file's journal records up to {@code sequence}: its cache file holds their bytes on disk. */
        Batch retireJournal(long fileId, long sequence) {
            return op(() -> batch.deleteRange(journal, journalKey(fileId, 0), journalKey(fileId, sequence + 1)));
        }

        Batch putEntry(long parentId, String name, long childId, long cookie) {
            ByteBuffer v = ByteBuffer.allocate(16).putLong(childId).putLong(cookie);
            return op(() -> {
                batch.put(entries, entryKey(parentId, name), v.array());
                batch.put(cookies, cookieKey(parentId, cookie), name.getBytes(StandardCharsets.UTF_8));
            });
        }

        Batch deleteEntry(long parentId, String name, long cookie) {
            return op(() -> {
                batch.delete(entries, entryKey(parentId, name));
                batch.delete(cookies, cookieKey(parentId, cookie));
            });
        }

        /** Queues an inode for sync; the first mark's time is kept, so the flush deadline counts from it. */
        Batch markDirty(long id, long nowMillis) {
            DirtyMark old = dirtyMark(id);
            long first = old == null ? nowMillis : old.firstMillis();
            ByteBuffer v = ByteBuffer.allocate(16).putLong(first).putLong(nowMillis);
            return op(() -> batch.put(dirty, longKey(id), v.array()));
        }

        Batch clearDirty(long id) {
            return op(() -> batch.delete(dirty, longKey(id)));
        }

        Batch addPendingDelete(String key, long nowMillis) {
            return op(() -> batch.put(deletes, key.getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(16).putLong(nowMillis).putLong(0).array()));
        }

        Batch addTombstone(long parentId, String name, long nowMillis) {
            return op(() -> batch.put(tombstones, entryKey(parentId, name),
                    ByteBuffer.allocate(8).putLong(nowMillis).array()));
        }

        Batch removeTombstone(long parentId, String name) {
            return op(() -> batch.delete(tombstones, entryKey(parentId, name)));
        }

        /** Records that the key is gone from the bucket; the record stays a while for listings in flight. */
        Batch completeDelete(String key, long nowMillis) {
            return op(() -> batch.put(deletes, key.getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(16).putLong(nowMillis).putLong(nowMillis).array()));
        }

        Batch putHandleKey(byte[] key) {
            return op(() -> batch.put(settings, HANDLE_KEY, key.clone()));
        }

        Batch putLockRecord(String name, byte[] bytes) {
            return op(() -> batch.put(settings, (LOCK_RECORD + name).getBytes(StandardCharsets.UTF_8), bytes.clone()));
        }

        Batch removePendingDelete(String key) {
            return op(() -> batch.delete(deletes, key.getBytes(StandardCharsets.UTF_8)));
        }

        /** Writes the batch without syncing the log; returns the log sequence that covers it. */
        long commit() {
            ensureOpen();
            try (batch) {
                for (Inode inode : putInodes.values()) {
                    batch.put(inodes, longKey(inode.id()), inode.encode());
                }
                if (allocated != nextId) {
                    batch.put(settings, NEXT_ID, longKey(allocated));
                }
                db.write(asyncWrite, batch);
                nextId = Math.max(nextId, allocated);
                nextJournalSequence += journaled;
                deletedInodes.forEach(inodeCache::invalidate);
                for (Inode inode : putInodes.values()) {
                    inodeCache.put(inode.id(), inode.copy());
                }
                return log.written(batch, fileOps);
            } catch (RocksDBException e) {
                throw new MetadataException("cannot write to the metadata store", e);
            }
        }

        private Batch op(RocksOp op) {
            try {
                op.run();
            } catch (RocksDBException e) {
                throw new MetadataException("cannot stage a metadata change", e);
            }
            return this;
        }
    }

    private interface RocksOp {
        void run() throws RocksDBException;
    }

    private RocksIterator iterator(ColumnFamilyHandle cf) {
        ensureOpen();
        return db.newIterator(cf);
    }

    private RocksIterator iterator(ColumnFamilyHandle cf, ReadOptions options) {
        ensureOpen();
        return db.newIterator(cf, options);
    }

    private void ensureOpen() {
        if (closed) {
            throw new MetadataException("the metadata store is closed", null);
        }
    }

    private byte[] get(ColumnFamilyHandle cf, byte[] key) {
        ensureOpen();
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw new MetadataException("cannot read the metadata store", e);
        }
    }

    private static byte[] longKey(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    private static byte[] entryKey(long parentId, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + n.length).putLong(parentId).put(n).array();
    }

    private static byte[] journalKey(long fileId, long sequence) {
        return ByteBuffer.allocate(16).putLong(fileId).putLong(sequence).array();
    }

    private static byte[] cookieKey(long parentId, long cookie) {
        return ByteBuffer.allocate(16).putLong(parentId).putLong(cookie).array();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
