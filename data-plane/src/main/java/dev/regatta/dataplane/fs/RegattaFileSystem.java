package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.ObjectFetcher;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.meta.RangeSet;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LongPathObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import dev.regatta.dataplane.sync.Importer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * POSIX semantics over the metadata store and the data cache. Metadata calls run under one lock (they are
 * short); file bytes move under a per-inode lock outside it, and S3 is never called while the metadata lock
 * is held.
 */
public final class RegattaFileSystem implements VirtualFileSystem {

    private static final Logger log = LoggerFactory.getLogger(RegattaFileSystem.class);
    private static final int MAX_SYMLINK_BYTES = 4096;
    /** Linux's PATH_MAX: a path from the file system's root, with its leading '/' and its terminating NUL. */
    private static final int MAX_PATH_BYTES = 4096;
    /** Writes are refused before the cache's disk is this full, so that metadata can still be written. */
    private static final long DISK_RESERVE_BYTES = 64L << 20;
    private static final long PREFETCH_WAIT_NANOS = 2_000_000_000L;

    private final MetadataStore store;
    private final Namespace namespace;
    private final DataCache cache;
    private final KeyCodec keys;
    private final Importer importer;
    private final ReentrantLock lock;
    private final ObjectFetcher fetcher;
    private final long fsid;
    private final long writeVerifier = new SecureRandom().nextLong();
    private final boolean readOnly;
    private final ReadAhead readAhead = new ReadAhead();
    private final java.util.concurrent.ExecutorService prefetcher =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter cacheHitBytes;
    private final Counter cacheMissBytes;

    public RegattaFileSystem(MetadataStore store, ReentrantLock lock, DataCache cache, ObjectStore objects,
                             KeyCodec keys, Importer importer, long fsid, boolean readOnly, MeterRegistry metrics) {
        this.store = store;
        this.namespace = new Namespace(store);
        this.lock = lock;
        this.cache = cache;
        this.keys = keys;
        this.importer = importer;
        this.fsid = fsid;
        this.readOnly = readOnly;
        this.fetcher = new ObjectFetcher(store, lock, cache, LongPathObjectStore.over(objects, keys, metrics));
        this.cacheHits = Counter.builder("cache_reads_total").tag("result", "hit").register(metrics);
        this.cacheMisses = Counter.builder("cache_reads_total").tag("result", "miss").register(metrics);
        this.cacheHitBytes = Counter.builder("cache_read_bytes_total").tag("result", "hit").register(metrics);
        this.cacheMissBytes = Counter.builder("cache_read_bytes_total").tag("result", "miss").register(metrics);
        ensureRoot();
    }

    private void ensureRoot() {
        lock.lock();
        try {
            if (store.inode(Namespace.ROOT_ID) != null) {
                return;
            }
            MetadataStore.Batch batch = store.batch();
            long id = batch.allocateId();
            if (id != Namespace.ROOT_ID) {
                throw new IllegalStateException("metadata store has inodes but no root");
            }
            Inode root = newInode(id, FileType.DIRECTORY, 0755, Caller.ROOT, now());
            root.contentDirty = false;
            batch.putInode(root).commit(true);
        } finally {
            lock.unlock();
        }
    }

    /** Stops read-ahead and waits for the fetches in flight: the store and cache close next. */
    public void close() {
        prefetcher.shutdownNow();
        try {
            prefetcher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ attributes

    @Override
    public long rootId() {
        return Namespace.ROOT_ID;
    }

    @Override
    public long writeVerifier() {
        return writeVerifier;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public Attributes getattr(long fileId) throws FsException {
        Inode inode = inodeOrStale(fileId);
        if (inode.needsHead || (inode.links.size() > 0 && importer.isStale(inode.links.get(0).parentId()))) {
            if (inode.links.size() > 0) {
                importer.ensureListed(inode.links.get(0).parentId());
            }
            importer.ensureAttributes(List.of(fileId));
            inode = inodeOrStale(fileId);
        }
        return attributes(inode);
    }

    @Override
    public Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException {
        writable();
        if (changes.size() != null && (changes.size() < 0 || changes.size() > MAX_FILE_SIZE)) {
            // size3 is unsigned: 2^63 and more arrive negative. Checked before anything changes.
            throw new FsException(FsError.FBIG, "size " + Long.toUnsignedString(changes.size())
                    + " is beyond the largest file, " + MAX_FILE_SIZE + " bytes");
        }
        importer.ensureAttributes(List.of(fileId));
        ReentrantReadWriteLock data = dataLock(fileId);
        data.writeLock().lock();
        lock.lock();
        try {
            Inode inode = inodeOrStale(fileId);
            WccAttributes before = attributes(inode).wcc();
            if (guardCtimeNanos != null && guardCtimeNanos != inode.ctimeNanos) {
                throw new FsException(FsError.NOT_SYNC, "ctime guard does not match");
            }
            long now = now();
            boolean owner = caller.isRoot() || caller.uid() == inode.uid;
            if (changes.mode() != null) {
                if (!owner) {
                    throw new FsException(FsError.PERM, caller + " does not own inode " + fileId);
                }
                int mode = changes.mode() & 07777;
                if (!caller.isRoot() && !caller.inGroup(inode.gid)) {
                    mode &= ~02000; // like chmod(2): setgid only for members of the group
                }
                inode.mode = mode;
            }
            if (changes.uid() != null) {
                Permissions.requireChown(caller, inode, changes.uid());
            }
            if (changes.gid() != null) {
                Permissions.requireChgrp(caller, inode, changes.gid());
            }
            if (changes.uid() != null && changes.uid() != inode.uid) {
                inode.uid = changes.uid();
                inode.mode &= ~06000;
            }
            if (changes.gid() != null && changes.gid() != inode.gid) {
                inode.gid = changes.gid();
                if (!caller.isRoot()) {
                    inode.mode &= ~06000;
                }
            }
            if (changes.size() != null) {
                if (inode.isDirectory()) {
                    throw new FsException(FsError.ISDIR, "cannot truncate a directory");
                }
                if (inode.type != FileType.REGULAR) {
                    throw new FsException(FsError.INVAL, "cannot truncate a special file");
                }
                Permissions.requireWrite(caller, inode);
                resize(inode, changes.size());
                inode.mtimeNanos = now;
                if (!caller.isRoot()) {
                    inode.mode &= ~06000; // like a write: a truncate by someone drops setuid/setgid
                }
            }
            if (changes.atime() != null) {
                requireTimeChange(caller, inode, changes.atime(), owner);
                inode.atimeNanos = changes.atime().serverTime() ? now : changes.atime().nanos();
            }
            if (changes.mtime() != null) {
                requireTimeChange(caller, inode, changes.mtime(), owner);
                inode.mtimeNanos = changes.mtime().serverTime() ? now : changes.mtime().nanos();
            }
            inode.ctimeNanos = now;
            inode.attributesDirty = true;
            store.batch().putInode(inode).markDirty(fileId, System.currentTimeMillis()).commit(true);
            cache.recordUsage(fileId, inode.present.totalLength());
            return new Wcc(before, attributes(inode));
        } finally {
            lock.unlock();
            data.writeLock().unlock();
        }
    }

    private static void requireTimeChange(Caller caller, Inode inode, SetAttributes.TimeChange change, boolean owner)
            throws FsException {
        if (owner) {
            return;
        }
        if (!change.serverTime()) {
            throw new FsException(FsError.PERM, "only the owner may set explicit times");
        }
        Permissions.require(caller, inode, Access.MODIFY, "touch this file");
    }

    /** Changes a file's size: the cut part leaves the cache, a grown part reads as zeros and counts as written. */
    private void resize(Inode inode, long size) throws FsException {
        long old = inode.size;
        if (size < old) {
            try {
                cache.truncate(inode.id, size);
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot truncate cache file of inode " + inode.id, e);
            }
            inode.present.truncate(size);
            inode.dirtyRanges.truncate(size);
            inode.baseLength = Math.min(inode.baseLength, size);
        } else if (size > old) {
            inode.present.add(old, size);
            inode.dirtyRanges.add(old, size);
        }
        if (size != old) {
            inode.size = size;
            inode.contentDirty = true;
        }
    }

    // ------------------------------------------------------------------ names

    @Override
    public Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        Inode dir = directory(directoryId);
        Permissions.require(caller, dir, Access.LOOKUP, "search this directory");
        if (name.equals(".")) {
            return new Results.Lookup(directoryId, attributes(dir), attributes(dir));
        }
        if (name.equals("..")) {
            long parent = dir.id == Namespace.ROOT_ID ? dir.id : dir.links.get(0).parentId();
            return new Results.Lookup(parent, getattr(parent), attributes(dir));
        }
        checkName(name);
        importer.ensureListed(directoryId);
        long childId;
        lock.lock();
        try {
            MetadataStore.Entry e = store.lookup(directoryId, name);
            if (e == null) {
                throw new FsException(FsError.NOENT, name);
            }
            childId = e.childId();
        } finally {
            lock.unlock();
        }
        importer.ensureAttributes(List.of(childId));
        lock.lock();
        try {
            return new Results.Lookup(childId, attributes(inodeOrStale(childId)), attributes(directory(directoryId)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        Attributes attrs = getattr(fileId);
        int granted = Permissions.granted(caller, inodeOrStale(fileId)) & requested;
        if (readOnly) {
            granted &= ~(Access.MODIFY | Access.EXTEND | Access.DELETE);
        }
        return new Results.Access(granted, attrs);
    }

    @Override
    public Results.Readlink readlink(Caller caller, long fileId) throws FsException {
        Inode inode = inodeOrStale(fileId);
        if (inode.type != FileType.SYMLINK) {
            throw new FsException(FsError.INVAL, "inode " + fileId + " is not a symbolic link");
        }
        String target = inode.symlinkTarget;
        if (target == null) {
            // Imported from the bucket: the target is the object's body.
            Results.Read body = read(Caller.ROOT, fileId, 0, (int) Math.min(inode.size, MAX_SYMLINK_BYTES));
            target = StandardCharsets.UTF_8.decode(body.data()).toString();
            lock.lock();
            try {
                Inode fresh = inodeOrStale(fileId);
                fresh.symlinkTarget = target;
                store.batch().putInodeQuietly(fresh).commit(false);
            } finally {
                lock.unlock();
            }
        }
        return new Results.Readlink(target, getattr(fileId));
    }

    // ------------------------------------------------------------------ data

    @Override
    public Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        Inode inode = inodeOrStale(fileId);
        if (inode.isDirectory()) {
            throw new FsException(FsError.ISDIR, "inode " + fileId + " is a directory");
        }
        if (!caller.isRoot() && caller.uid() != inode.uid) {
            Permissions.require(caller, inode, Access.READ, "read this file");
        }
        if (offset < 0 || count < 0) {
            throw new FsException(FsError.INVAL, "negative offset or count");
        }
        long end = Math.min(inode.size, offset + count);
        if (offset >= end) {
            return new Results.Read(ByteBuffer.allocate(0), true, attributes(inode));
        }
        List<RangeSet.Range> missing = inode.present.gaps(offset, end);
        if (!missing.isEmpty() && readAhead.claimed(fileId, end)) {
            inode = awaitPrefetch(inode, offset, end);
            missing = inode.present.gaps(offset, end);
        }
        if (missing.isEmpty()) {
            cacheHits.increment();
            cacheHitBytes.increment(end - offset);
        } else {
            cacheMisses.increment();
            cacheMissBytes.increment(end - offset);
            fill(inode, offset, end);
        }
        prefetch(inode, end, readAhead.next(fileId, offset, end, inode.size));
        ReentrantReadWriteLock data = dataLock(fileId);
        data.readLock().lock();
        try {
            Inode current = inodeOrStale(fileId);
            end = Math.min(current.size, end);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, end - offset));
            cache.read(fileId, offset, buf);
            cache.touch(fileId);
            buf.flip();
            return new Results.Read(buf, end >= current.size, attributes(current));
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot read cache file of inode " + fileId, e);
        } finally {
            data.readLock().unlock();
        }
    }

    /** Brings [offset, end) of a file into the cache from its object; S3 trouble asks the client to retry. */
    private void fill(Inode snapshot, long offset, long end) throws FsException {
        try {
            if (!fetcher.fill(snapshot, offset, end, snapshot.baseEtag)) {
                importer.invalidate(snapshot); // shorter than we knew: revalidation fixes the size
            }
        } catch (ObjectStoreException e) {
            if (e.preconditionFailed() && snapshot.isDirty()) {
                // Changed through S3 under our unsynced changes: ours win where we have them, theirs fill the rest.
                log.warn("object of inode {} changed in S3 while it has unsynced changes here", snapshot.id);
                try {
                    fetcher.fill(snapshot, offset, end, null);
                    return;
                } catch (ObjectStoreException retry) {
                    e = retry;
                }
            }
            if (e.preconditionFailed() || e.notFound()) {
                importer.invalidate(snapshot);
            }
            log.info("read of inode {} needs S3, which failed ({}); the client will retry", snapshot.id,
                    e.getMessage());
            throw new FsException(FsError.JUKEBOX, "S3 read for inode " + snapshot.id + " failed", e);
        }
    }

    /**
     * A sequential reader that catches up with its read-ahead waits for the bytes on their way rather than fetching
     * them a second time; if they do not come soon, it fetches them itself.
     */
    private Inode awaitPrefetch(Inode inode, long offset, long end) throws FsException {
        long deadline = System.nanoTime() + PREFETCH_WAIT_NANOS;
        Inode current = inode;
        while (!current.present.covers(offset, end) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            current = inodeOrStale(inode.id);
        }
        return current;
    }

    /** Fetches what sequential readers will want next, off the caller's path. Failures only cost a later miss. */
    private void prefetch(Inode snapshot, long from, long to) {
        long start = to <= from ? -1 : readAhead.claim(snapshot.id, from, to);
        if (start < 0) {
            return;
        }
        prefetcher.execute(() -> {
            try {
                fill(snapshot, start, to);
            } catch (FsException | RuntimeException e) {
                log.debug("read-ahead of inode {} stopped: {}", snapshot.id, e.toString());
            }
        });
    }

    @Override
    public Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException {
        writable();
        int count = data.remaining();
        if (offset < 0 || offset > MAX_FILE_SIZE - count) {
            throw new FsException(FsError.FBIG, "a write at " + Long.toUnsignedString(offset) + " of " + count
                    + " bytes ends beyond the largest file, " + MAX_FILE_SIZE + " bytes");
        }
        if (cache.usableSpace() < DISK_RESERVE_BYTES + count) {
            throw new FsException(FsError.NOSPC, "the cache disk is full; uploads must drain it first");
        }
        ReentrantReadWriteLock dataLock = dataLock(fileId);
        dataLock.writeLock().lock();
        try {
            Inode inode;
            WccAttributes before;
            lock.lock();
            try {
                inode = inodeOrStale(fileId);
                if (inode.isDirectory()) {
                    throw new FsException(FsError.ISDIR, "inode " + fileId + " is a directory");
                }
                if (inode.type != FileType.REGULAR) {
                    throw new FsException(FsError.INVAL, "inode " + fileId + " is not a regular file");
                }
                Permissions.requireWrite(caller, inode);
                before = attributes(inode).wcc();
            } finally {
                lock.unlock();
            }
            cache.write(fileId, offset, data);
            if (stability != Stability.UNSTABLE) {
                cache.force(fileId);
            }
            lock.lock();
            try {
                inode = inodeOrStale(fileId);
                if (offset > inode.size) {
                    resize(inode, offset);
                }
                inode.present.add(offset, offset + count);
                inode.dirtyRanges.add(offset, offset + count);
                inode.size = Math.max(inode.size, offset + count);
                long now = now();
                inode.mtimeNanos = now;
                inode.ctimeNanos = now;
                inode.contentDirty = true;
                if (!caller.isRoot() && (inode.mode & 06000) != 0) {
                    inode.mode &= ~06000; // a write by someone drops setuid/setgid, as on a local file system
                }
                store.batch().putInode(inode).markDirty(fileId, System.currentTimeMillis())
                        .commit(stability != Stability.UNSTABLE);
                cache.recordUsage(fileId, inode.present.totalLength());
                return new Results.Written(count, stability, new Wcc(before, attributes(inode)));
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot write cache file of inode " + fileId, e);
        } finally {
            dataLock.writeLock().unlock();
        }
    }

    @Override
    public Wcc commit(long fileId, long offset, int count) throws FsException {
        Inode inode = inodeOrStale(fileId);
        WccAttributes before = attributes(inode).wcc();
        try {
            if (inode.type == FileType.REGULAR && !inode.present.isEmpty()) {
                cache.force(fileId);
            }
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot sync cache file of inode " + fileId, e);
        }
        lock.lock();
        try {
            store.syncWal();
        } finally {
            lock.unlock();
        }
        return new Wcc(before, attributes(inodeOrStale(fileId)));
    }

    // ------------------------------------------------------------------ namespace changes

    @Override
    public Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                                  SetAttributes attributes, long verifier) throws FsException {
        writable();
        checkName(name);
        importer.ensureListed(directoryId);
        lock.lock();
        try {
            Inode dir = directory(directoryId);
            MetadataStore.Entry existing = store.lookup(directoryId, name);
            if (existing != null) {
                Inode file = inodeOrStale(existing.childId());
                switch (mode) {
                    case GUARDED -> throw new FsException(FsError.EXIST, name);
                    case EXCLUSIVE -> {
                        if (file.createVerifier != verifier || file.type != FileType.REGULAR) {
                            throw new FsException(FsError.EXIST, name);
                        }
                        return new Results.Created(file.id, attributes(file), new Wcc(attributes(dir).wcc(),
                                attributes(dir)));
                    }
                    case UNCHECKED -> {
                        if (file.isDirectory()) {
                            throw new FsException(FsError.ISDIR, name);
                        }
                        WccAttributes dirBefore = attributes(dir).wcc();
                        lock.unlock();
                        try {
                            if (attributes != null && attributes.size() != null) {
                                setattr(caller, file.id, new SetAttributes(null, null, null, attributes.size(),
                                        null, null), null);
                            }
                        } finally {
                            lock.lock();
                        }
                        Inode updated = inodeOrStale(file.id);
                        return new Results.Created(updated.id, attributes(updated),
                                new Wcc(dirBefore, attributes(directory(directoryId))));
                    }
                    default -> throw new IllegalStateException();
                }
            }
            Permissions.requireDirectoryChange(caller, dir);
            int perm = permissions(attributes, 0644);
            Results.Created created = addChild(caller, dir, name, FileType.REGULAR, perm, attributes,
                    inode -> inode.createVerifier = mode == CreateMode.EXCLUSIVE ? verifier : 0);
            if (attributes != null && attributes.size() != null && attributes.size() > 0) {
                lock.unlock();
                try {
                    setattr(caller, created.fileId(), new SetAttributes(null, null, null, attributes.size(), null,
                            null), null);
                } finally {
                    lock.lock();
                }
                return new Results.Created(created.fileId(), attributes(inodeOrStale(created.fileId())),
                        created.directory());
            }
            return created;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes)
            throws FsException {
        return createChild(caller, directoryId, name, FileType.DIRECTORY, permissions(attributes, 0755), attributes,
                inode -> inode.listedAtMillis = System.currentTimeMillis());
    }

    @Override
    public Results.Created symlink(Caller caller, long directoryId, String name, String target,
                                   SetAttributes attributes) throws FsException {
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_SYMLINK_BYTES) {
            throw new FsException(bytes.length == 0 ? FsError.INVAL : FsError.NAMETOOLONG, "symlink target length");
        }
        return createChild(caller, directoryId, name, FileType.SYMLINK, 0777, null, inode -> {
            // The target is the object's body in the bucket, so it is the file's data here too.
            try {
                cache.write(inode.id, 0, ByteBuffer.wrap(bytes));
                cache.force(inode.id);
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot write cache file for a symlink", e);
            }
            inode.symlinkTarget = target;
            inode.size = bytes.length;
            inode.present.add(0, bytes.length);
            inode.dirtyRanges.add(0, bytes.length);
        });
    }

    @Override
    public Results.Created mknod(Caller caller, long directoryId, String name, FileType type,
                                 SetAttributes attributes, int major, int minor) throws FsException {
        if (type == FileType.REGULAR || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new FsException(FsError.BADTYPE, "mknod makes only special files");
        }
        if ((type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE) && !caller.isRoot()) {
            throw new FsException(FsError.PERM, "only root may make device nodes");
        }
        return createChild(caller, directoryId, name, type, permissions(attributes, 0644), attributes, inode -> {
            inode.rdevMajor = major;
            inode.rdevMinor = minor;
        });
    }

    private static int permissions(SetAttributes attributes, int defaultMode) {
        return attributes != null && attributes.mode() != null ? attributes.mode() & 07777 : defaultMode;
    }

    private interface InodeStep {
        void apply(Inode inode) throws FsException;
    }

    /** Makes a new name that must not exist yet: MKDIR, SYMLINK, MKNOD. */
    private Results.Created createChild(Caller caller, long directoryId, String name, FileType type, int perm,
                                        SetAttributes attributes, InodeStep init) throws FsException {
        writable();
        checkName(name);
        importer.ensureListed(directoryId);
        lock.lock();
        try {
            Inode dir = directory(directoryId);
            requireAbsent(directoryId, name);
            Permissions.requireDirectoryChange(caller, dir);
            return addChild(caller, dir, name, type, perm, attributes, init);
        } finally {
            lock.unlock();
        }
    }

    /** Makes a new inode named {@code name} in {@code dir}, in one durable batch. Holds the lock. */
    private Results.Created addChild(Caller caller, Inode dir, String name, FileType type, int perm,
                                     SetAttributes attributes, InodeStep init) throws FsException {
        checkPathLength(dir, name);
        long now = now();
        WccAttributes dirBefore = attributes(dir).wcc();
        MetadataStore.Batch batch = store.batch();
        long id = batch.allocateId();
        Inode child = newInode(id, type, perm, caller, now);
        if ((dir.mode & 02000) != 0) {
            child.gid = dir.gid; // setgid directories pass their group down, and the bit to subdirectories
            if (type == FileType.DIRECTORY) {
                child.mode |= 02000;
            }
        }
        if (attributes != null) {
            if (attributes.uid() != null && caller.isRoot()) {
                child.uid = attributes.uid();
            }
            if (attributes.gid() != null && (caller.isRoot() || caller.inGroup(attributes.gid()))) {
                child.gid = attributes.gid();
            }
            if (attributes.mtime() != null && !attributes.mtime().serverTime()) {
                child.mtimeNanos = attributes.mtime().nanos();
            }
            if (attributes.atime() != null && !attributes.atime().serverTime()) {
                child.atimeNanos = attributes.atime().nanos();
            }
        }
        child.links.add(new Inode.Link(dir.id, name));
        init.apply(child);
        long cookie = dir.nextCookie++;
        if (type == FileType.DIRECTORY) {
            dir.subdirectories++;
        }
        dir.mtimeNanos = now;
        dir.ctimeNanos = now;
        batch.putInode(child).putEntry(dir.id, name, id, cookie).removeTombstone(dir.id, name)
                .markDirty(id, System.currentTimeMillis());
        batch.putInode(dir);
        batch.commit(true);
        if (!child.present.isEmpty()) {
            cache.recordUsage(id, child.present.totalLength());
        }
        return new Results.Created(id, attributes(child), new Wcc(dirBefore, attributes(dir)));
    }

    private Inode newInode(long id, FileType type, int perm, Caller caller, long now) {
        Inode inode = new Inode();
        inode.id = id;
        inode.type = type;
        inode.mode = perm & 07777;
        inode.uid = caller.uid();
        inode.gid = caller.gid();
        inode.atimeNanos = now;
        inode.mtimeNanos = now;
        inode.ctimeNanos = now;
        inode.contentDirty = true;
        return inode;
    }

    @Override
    public Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        writable();
        checkName(name);
        importer.ensureListed(directoryId);
        Wcc result;
        long goneId = -1;
        lock.lock();
        try {
            Inode dir = directory(directoryId);
            MetadataStore.Entry e = entry(directoryId, name);
            Inode victim = inodeOrStale(e.childId());
            if (victim.isDirectory()) {
                throw new FsException(FsError.ISDIR, name + " is a directory");
            }
            Permissions.requireDirectoryChange(caller, dir);
            Permissions.requireStickyOwner(caller, dir, victim);
            WccAttributes before = attributes(dir).wcc();
            MetadataStore.Batch batch = store.batch();
            long now = now();
            if (unlink(batch, dir, e, victim, now)) {
                goneId = victim.id;
            }
            touchDirectory(dir, now);
            batch.putInode(dir).commit(true);
            result = new Wcc(before, attributes(dir));
        } finally {
            lock.unlock(); // the removal is on disk from here on
        }
        // Only now may the bytes go: a crash before the removal was durable must find them still there.
        if (goneId >= 0) {
            cache.delete(goneId);
        }
        return result;
    }

    @Override
    public Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        writable();
        checkName(name);
        importer.ensureListed(directoryId);
        MetadataStore.Entry found;
        lock.lock();
        try {
            found = entry(directoryId, name);
        } finally {
            lock.unlock();
        }
        importer.ensureListed(found.childId());
        lock.lock();
        try {
            Inode dir = directory(directoryId);
            MetadataStore.Entry e = entry(directoryId, name);
            Inode victim = inodeOrStale(e.childId());
            if (!victim.isDirectory()) {
                throw new FsException(FsError.NOTDIR, name + " is not a directory");
            }
            if (store.hasEntries(victim.id)) {
                throw new FsException(FsError.NOTEMPTY, name);
            }
            Permissions.requireDirectoryChange(caller, dir);
            Permissions.requireStickyOwner(caller, dir, victim);
            WccAttributes before = attributes(dir).wcc();
            MetadataStore.Batch batch = store.batch();
            long now = now();
            unlink(batch, dir, e, victim, now);
            dir.subdirectories--;
            touchDirectory(dir, now);
            batch.putInode(dir).commit(true);
            return new Wcc(before, attributes(dir));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes one name of an inode. The last name takes the inode with it and queues its objects for deletion;
     * otherwise the inode is queued for sync, which removes the old key. Returns whether the inode is gone.
     */
    private boolean unlink(MetadataStore.Batch batch, Inode dir, MetadataStore.Entry entry, Inode victim, long now) {
        batch.deleteEntry(dir.id, entry.name(), entry.cookie()).addTombstone(dir.id, entry.name(),
                System.currentTimeMillis());
        victim.links.remove(new Inode.Link(dir.id, entry.name()));
        if (victim.links.isEmpty()) {
            long millis = System.currentTimeMillis();
            for (String key : victim.syncedKeys) {
                batch.addPendingDelete(key, millis);
            }
            if (victim.isDirectory()) {
                // A directory may exist in the bucket only through its keys' prefix; queueing the marker's key
                // also keeps a listing that races the deletion from bringing it back.
                String parentPath = namespace.directoryPath(dir);
                if (parentPath != null) {
                    batch.addPendingDelete(keys.directoryKey(parentPath.isEmpty() ? entry.name()
                            : parentPath + "/" + entry.name()), millis);
                }
            }
            batch.clearDirty(victim.id).deleteInode(victim.id);
            return true;
        }
        victim.ctimeNanos = now;
        victim.attributesDirty = true;
        batch.putInode(victim).markDirty(victim.id, System.currentTimeMillis());
        return false;
    }

    private static void touchDirectory(Inode dir, long now) {
        dir.mtimeNanos = now;
        dir.ctimeNanos = now;
    }

    @Override
    public Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId,
                                  String toName) throws FsException {
        writable();
        checkName(fromName);
        checkName(toName);
        importer.ensureListed(fromDirectoryId);
        importer.ensureListed(toDirectoryId);
        long sourceId;
        Long targetDirectoryToCheck = null;
        lock.lock();
        try {
            sourceId = entry(fromDirectoryId, fromName).childId();
            MetadataStore.Entry target = store.lookup(toDirectoryId, toName);
            if (target != null && inodeOrStale(target.childId()).isDirectory()) {
                targetDirectoryToCheck = target.childId();
            }
        } finally {
            lock.unlock();
        }
        Inode sourceSnapshot = inodeOrStale(sourceId);
        if (sourceSnapshot.isDirectory()) {
            // Every object below moves to a new key: the whole subtree must be known first.
            importer.ensureSubtreeListed(sourceId);
        }
        if (targetDirectoryToCheck != null) {
            importer.ensureListed(targetDirectoryToCheck);
        }
        Results.Renamed result;
        long replacedId = -1;
        lock.lock();
        try {
            Inode fromDir = directory(fromDirectoryId);
            // One directory must be one object here, or a change to one copy is lost when the other is stored.
            Inode toDir = fromDirectoryId == toDirectoryId ? fromDir : directory(toDirectoryId);
            MetadataStore.Entry e = entry(fromDirectoryId, fromName);
            Inode source = inodeOrStale(e.childId());
            WccAttributes fromBefore = attributes(fromDir).wcc();
            WccAttributes toBefore = attributes(toDir).wcc();
            if (fromDirectoryId == toDirectoryId && fromName.equals(toName)) {
                return new Results.Renamed(new Wcc(fromBefore, attributes(fromDir)),
                        new Wcc(toBefore, attributes(toDir)));
            }
            Permissions.requireDirectoryChange(caller, fromDir);
            Permissions.requireDirectoryChange(caller, toDir);
            Permissions.requireStickyOwner(caller, fromDir, source);
            if (source.isDirectory() && fromDirectoryId != toDirectoryId) {
                // Its ".." changes: the directory itself is written (Linux asks for MAY_WRITE on it; the NFS client
                // leaves the check to the server).
                Permissions.require(caller, source, Access.MODIFY, "move this directory to another parent");
            }
            if (source.isDirectory() && namespace.isWithin(toDir, source.id)) {
                throw new FsException(FsError.INVAL, "cannot move a directory into itself");
            }
            checkPathLength(toDir, toName);
            long now = now();
            MetadataStore.Batch batch = store.batch();
            MetadataStore.Entry target = store.lookup(toDirectoryId, toName);
            boolean targetGone = false;
            Inode targetInode = null;
            if (target != null) {
                targetInode = inodeOrStale(target.childId());
                if (targetInode.id == source.id) {
                    // Two names of one inode: POSIX says rename does nothing.
                    return new Results.Renamed(new Wcc(fromBefore, attributes(fromDir)),
                            new Wcc(toBefore, attributes(toDir)));
                }
                Permissions.requireStickyOwner(caller, toDir, targetInode);
                if (source.isDirectory() && !targetInode.isDirectory()) {
                    throw new FsException(FsError.NOTDIR, toName + " is not a directory");
                }
                if (!source.isDirectory() && targetInode.isDirectory()) {
                    throw new FsException(FsError.ISDIR, toName + " is a directory");
                }
                if (targetInode.isDirectory() && store.hasEntries(targetInode.id)) {
                    throw new FsException(FsError.NOTEMPTY, toName);
                }
                targetGone = unlink(batch, toDir, target, targetInode, now);
                if (targetInode.isDirectory()) {
                    toDir.subdirectories--;
                }
            }
            batch.deleteEntry(fromDirectoryId, fromName, e.cookie())
                    .addTombstone(fromDirectoryId, fromName, System.currentTimeMillis());
            boolean sameDir = fromDirectoryId == toDirectoryId;
            Inode destination = sameDir ? fromDir : toDir;
            long cookie = destination.nextCookie++;
            batch.putEntry(toDirectoryId, toName, source.id, cookie).removeTombstone(toDirectoryId, toName);
            source.links.remove(new Inode.Link(fromDirectoryId, fromName));
            source.links.add(new Inode.Link(toDirectoryId, toName));
            source.ctimeNanos = now;
            source.attributesDirty = true;
            batch.putInode(source).markDirty(source.id, System.currentTimeMillis());
            if (source.isDirectory() && !sameDir) {
                fromDir.subdirectories--;
                toDir.subdirectories++;
            }
            touchDirectory(fromDir, now);
            touchDirectory(toDir, now);
            batch.putInode(fromDir);
            if (!sameDir) {
                batch.putInode(toDir);
            }
            if (source.isDirectory()) {
                markSubtreeMoved(batch, source.id);
            }
            batch.commit(true);
            if (targetGone) {
                replacedId = targetInode.id;
            }
            result = new Results.Renamed(new Wcc(fromBefore, attributes(fromDir)),
                    new Wcc(toBefore, attributes(toDir)));
        } finally {
            lock.unlock(); // the rename is on disk from here on
        }
        if (replacedId >= 0) {
            cache.delete(replacedId);
        }
        return result;
    }

    /**
     * Every inode below a moved directory has new keys: queue each for sync, which copies and deletes. Each also
     * gets a new version, so that a sync already under way for its old keys keeps it queued when it finishes
     * (otherwise that sync would record the old keys as current and the move would never reach the bucket).
     */
    private void markSubtreeMoved(MetadataStore.Batch batch, long directoryId) {
        List<Long> pending = new ArrayList<>(List.of(directoryId));
        long millis = System.currentTimeMillis();
        while (!pending.isEmpty()) {
            long dir = pending.remove(pending.size() - 1);
            long after = 0;
            List<MetadataStore.Entry> page;
            while (!(page = store.entries(dir, after, 1024)).isEmpty()) {
                for (MetadataStore.Entry child : page) {
                    batch.markDirty(child.childId(), millis);
                    Inode inode = store.inode(child.childId());
                    if (inode != null) {
                        batch.putInode(inode);
                        if (inode.isDirectory()) {
                            pending.add(inode.id);
                        }
                    }
                    after = child.cookie();
                }
            }
        }
    }

    @Override
    public Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException {
        writable();
        checkName(name);
        importer.ensureListed(directoryId);
        lock.lock();
        try {
            Inode dir = directory(directoryId);
            Inode file = inodeOrStale(fileId);
            if (file.isDirectory()) {
                throw new FsException(FsError.ISDIR, "cannot hard-link a directory");
            }
            requireAbsent(directoryId, name);
            Permissions.requireDirectoryChange(caller, dir);
            checkPathLength(dir, name);
            WccAttributes before = attributes(dir).wcc();
            long now = now();
            file.links.add(new Inode.Link(directoryId, name));
            file.ctimeNanos = now;
            file.attributesDirty = true;
            long cookie = dir.nextCookie++;
            touchDirectory(dir, now);
            store.batch().putInode(file).putInode(dir).putEntry(directoryId, name, fileId, cookie)
                    .removeTombstone(directoryId, name).markDirty(fileId, System.currentTimeMillis()).commit(true);
            return new Results.Linked(attributes(file), new Wcc(before, attributes(dir)));
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ listing

    @Override
    public Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier, int maxEntries,
                                   boolean withAttributes) throws FsException {
        Inode dir = directory(directoryId);
        Permissions.require(caller, dir, Access.READ, "list this directory");
        long verifier = directoryVerifier(directoryId);
        if (cookie != 0 && cookieVerifier != 0 && cookieVerifier != verifier) {
            throw new FsException(FsError.BAD_COOKIE, "cookie verifier from another directory or server");
        }
        importer.ensureListed(directoryId);
        List<Results.DirEntry> list = new ArrayList<>();
        List<MetadataStore.Entry> page;
        int room;
        lock.lock();
        try {
            dir = directory(directoryId);
            if (cookie < 1) {
                list.add(new Results.DirEntry(".", dir.id, 1, null));
            }
            if (cookie < 2) {
                long parent = dir.id == Namespace.ROOT_ID ? dir.id : dir.links.get(0).parentId();
                list.add(new Results.DirEntry("..", parent, 2, null));
            }
            while (list.size() > Math.max(1, maxEntries)) {
                list.remove(list.size() - 1);
            }
            room = Math.max(0, maxEntries - list.size());
            page = list.size() == 2 || cookie >= 2
                    ? store.entries(directoryId, Math.max(cookie, 2), room + 1)
                    : List.of(new MetadataStore.Entry("..", 0, 2));
        } finally {
            lock.unlock();
        }
        boolean eof = page.size() <= room;
        if (!eof) {
            page = page.subList(0, room);
        }
        if (withAttributes) {
            importer.ensureAttributes(page.stream().map(MetadataStore.Entry::childId).toList());
        }
        lock.lock();
        try {
            List<Results.DirEntry> entries = new ArrayList<>(list.size() + page.size());
            for (Results.DirEntry special : list) {
                entries.add(withAttributes ? new Results.DirEntry(special.name(), special.fileId(), special.cookie(),
                        attributes(inodeOrStale(special.fileId()))) : special);
            }
            for (MetadataStore.Entry e : page) {
                Inode child = store.inode(e.childId());
                if (child == null) {
                    continue;
                }
                entries.add(new Results.DirEntry(e.name(), e.childId(), e.cookie(),
                        withAttributes ? attributes(child) : null));
            }
            return new Results.Listing(entries, eof, verifier, attributes(directory(directoryId)));
        } finally {
            lock.unlock();
        }
    }

    /** Cookies are stable per entry, so one verifier per directory suffices; it is never 0. */
    private static long directoryVerifier(long directoryId) {
        return directoryId * 0x9E3779B97F4A7C15L | 1;
    }

    @Override
    public Results.FsStat fsstat(long fileId) throws FsException {
        Attributes attrs = getattr(fileId);
        // A bucket has no fixed size: report a large capacity, with the cache disk's free space as the limit
        // that matters for writes not yet uploaded.
        long total = 1L << 50;
        long free = Math.min(total, cache.usableSpace());
        long files = 1L << 40;
        return new Results.FsStat(total, free, free, files, files, files, attrs);
    }

    // ------------------------------------------------------------------ helpers

    public Attributes attributes(Inode inode) {
        long used = inode.present.totalLength();
        if (inode.type == FileType.REGULAR) {
            used = Math.max(used, inode.size);
        }
        return new Attributes(inode.type, inode.mode & 07777, inode.nlink(), inode.uid, inode.gid,
                inode.isDirectory() ? 4096 : inode.size, used, inode.rdevMajor, inode.rdevMinor, fsid, inode.id,
                inode.atimeNanos, inode.mtimeNanos, inode.ctimeNanos);
    }

    private Inode inodeOrStale(long id) throws FsException {
        boolean held = lock.isHeldByCurrentThread();
        if (!held) {
            lock.lock();
        }
        try {
            Inode inode = store.inode(id);
            if (inode == null) {
                throw new FsException(FsError.STALE, "inode " + id + " no longer exists");
            }
            return inode;
        } finally {
            if (!held) {
                lock.unlock();
            }
        }
    }

    private Inode directory(long id) throws FsException {
        Inode inode = inodeOrStale(id);
        if (!inode.isDirectory()) {
            throw new FsException(FsError.NOTDIR, "inode " + id + " is not a directory");
        }
        return inode;
    }

    private MetadataStore.Entry entry(long directoryId, String name) throws FsException {
        MetadataStore.Entry e = store.lookup(directoryId, name);
        if (e == null) {
            throw new FsException(FsError.NOENT, name);
        }
        return e;
    }

    private void requireAbsent(long directoryId, String name) throws FsException {
        if (store.lookup(directoryId, name) != null) {
            throw new FsException(FsError.EXIST, name);
        }
    }

    /**
     * A new name's path, from the file system's root, must fit PATH_MAX as on Linux. S3's key limit does not count:
     * a path whose key would not fit is stored in the long form (see KeyCodec). Entries below a renamed directory
     * may end up deeper than PATH_MAX, as on Linux, where they stay reachable by relative paths.
     */
    private void checkPathLength(Inode dir, String name) throws FsException {
        String parent = namespace.directoryPath(dir);
        String path = parent == null || parent.isEmpty() ? name : parent + "/" + name;
        if (1 + path.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_PATH_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "the path would exceed PATH_MAX (4096 bytes with its NUL)");
        }
    }

    static void checkName(String name) throws FsException {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FsException(FsError.INVAL, "invalid name");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new FsException(FsError.INVAL, "a name may not contain '/' or NUL");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "a name is at most 255 bytes");
        }
    }

    private void writable() throws FsException {
        if (readOnly) {
            throw new FsException(FsError.ROFS, "read-only file system");
        }
    }

    private ReentrantReadWriteLock dataLock(long id) {
        return cache.lockFor(id);
    }

    static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
