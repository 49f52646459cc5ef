package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.DataJournal;
import dev.regatta.dataplane.cache.ReadPath;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.WriteTransaction;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.sync.Importer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Attributes and data of one file at a time: GETATTR, SETATTR, ACCESS, READLINK, READ, WRITE, COMMIT. Bytes move
 * under the file's data lock, outside any metadata transaction; each metadata change is one write transaction.
 */
final class Contents {

    private static final int MAX_SYMLINK_BYTES = 4096;
    /** Writes are refused before the cache's disk is this full, so that metadata can still be written. */
    private static final long DISK_RESERVE_BYTES = 64L << 20;

    private final MetadataStore store;
    private final DataCache cache;
    private final DataJournal journal;
    private final ReadPath readPath;
    private final Importer importer;
    private final Inodes inodes;
    private final boolean readOnly;

    Contents(MetadataStore store, DataCache cache, DataJournal journal, ReadPath readPath, Importer importer,
             Inodes inodes, boolean readOnly) {
        this.store = store;
        this.cache = cache;
        this.journal = journal;
        this.readPath = readPath;
        this.importer = importer;
        this.inodes = inodes;
        this.readOnly = readOnly;
    }

    Inode inode(long id) throws FsException {
        return store.read(tx -> Inodes.inode(tx, id));
    }

    Attributes getattr(long fileId) throws FsException {
        Inode inode = inode(fileId);
        if (inode.needsHead() || (inode.links().size() > 0 && importer.isStale(inode.links().get(0).parentId()))) {
            if (inode.links().size() > 0) {
                // During the parent's first listing, the name is there already: wait only for this inode's HEAD.
                Inode.Link link = inode.links().get(0);
                importer.ensureNameKnown(link.parentId(), link.name());
            }
            importer.ensureAttributes(List.of(fileId));
            inode = inode(fileId);
        }
        return inodes.attributes(inode);
    }

    Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException {
        writable();
        if (changes.size() != null && (changes.size() < 0 || changes.size() > VirtualFileSystem.MAX_FILE_SIZE)) {
            // size3 is unsigned: 2^63 and more arrive negative. Checked before anything changes.
            throw new FsException(FsError.FBIG, "size " + Long.toUnsignedString(changes.size())
                    + " is beyond the largest file, " + VirtualFileSystem.MAX_FILE_SIZE + " bytes");
        }
        importer.ensureAttributes(List.of(fileId));
        ReentrantReadWriteLock data = cache.lockFor(fileId);
        data.writeLock().lock();
        try {
            return store.write(Durability.SYNC, tx -> {
                Inode inode = Inodes.inode(tx, fileId);
                Wcc wcc = applyChanges(caller, tx, inode, changes, guardCtimeNanos);
                tx.putInode(inode).markDirty(fileId, System.currentTimeMillis());
                cache.recordUsage(fileId, inode.present().totalLength());
                return wcc;
            });
        } finally {
            data.writeLock().unlock();
        }
    }

    /**
     * SETATTR's changes on a copy of the inode, every permission checked before the first change that touches the
     * cache (a truncate), so a refused call changes nothing.
     */
    private Wcc applyChanges(Caller caller, WriteTransaction tx, Inode inode, SetAttributes changes,
                             Long guardCtimeNanos) throws FsException {
        WccAttributes before = inodes.attributes(inode).wcc();
        if (guardCtimeNanos != null && guardCtimeNanos != inode.ctimeNanos()) {
            throw new FsException(FsError.NOT_SYNC, "ctime guard does not match");
        }
        long now = Inodes.now();
        checkChanges(caller, inode, changes);
        if (changes.mode() != null) {
            int mode = changes.mode() & 07777;
            if (!caller.isRoot() && !caller.inGroup(inode.gid())) {
                mode &= ~02000; // like chmod(2): setgid only for members of the group
            }
            inode.chmod(mode);
        }
        if (changes.uid() != null && inode.chown(changes.uid())) {
            inode.dropSetIds();
        }
        if (changes.gid() != null && inode.chgrp(changes.gid()) && !caller.isRoot()) {
            inode.dropSetIds();
        }
        if (changes.size() != null) {
            resize(tx, inode, changes.size());
            inode.setMtime(now);
            if (!caller.isRoot()) {
                inode.dropSetIds(); // like a write: a truncate by someone drops setuid/setgid
            }
        }
        if (changes.atime() != null) {
            inode.setAtime(changes.atime().serverTime() ? now : changes.atime().nanos());
        }
        if (changes.mtime() != null) {
            inode.setMtime(changes.mtime().serverTime() ? now : changes.mtime().nanos());
        }
        inode.changed(now);
        return new Wcc(before, inodes.attributes(inode));
    }

    /** Every permission a SETATTR needs, checked before anything changes. */
    private static void checkChanges(Caller caller, Inode inode, SetAttributes changes) throws FsException {
        boolean owner = caller.isRoot() || caller.uid() == inode.uid();
        if (changes.mode() != null && !owner) {
            throw new FsException(FsError.PERM, caller + " does not own inode " + inode.id());
        }
        if (changes.uid() != null) {
            Permissions.requireChown(caller, inode, changes.uid());
        }
        if (changes.gid() != null) {
            Permissions.requireChgrp(caller, inode, changes.gid());
        }
        if (changes.size() != null) {
            if (inode.isDirectory()) {
                throw new FsException(FsError.ISDIR, "cannot truncate a directory");
            }
            if (inode.type() != FileType.REGULAR) {
                throw new FsException(FsError.INVAL, "cannot truncate a special file");
            }
            Permissions.requireWrite(caller, inode);
        }
        if (changes.atime() != null) {
            requireTimeChange(caller, inode, changes.atime(), owner);
        }
        if (changes.mtime() != null) {
            requireTimeChange(caller, inode, changes.mtime(), owner);
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

    /**
     * Changes a file's size: the cut part leaves the cache file first, then the inode ({@link Inode#resize}). The cut
     * is synced, and the file's journal records retired with it: replayed after a crash, they would bring cut bytes
     * back into a part the file may grow into again, which must read as zeros.
     */
    private void resize(WriteTransaction tx, Inode inode, long size) throws FsException {
        if (size < inode.size()) {
            try {
                cache.truncate(inode.id(), size);
                if (store.replicated()) {
                    tx.replicateTruncate(inode.id(), size);
                } else {
                    cache.force(inode.id());
                    journal.synced(tx, inode.id());
                }
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot truncate cache file of inode " + inode.id(), e);
            }
        }
        inode.resize(size);
    }

    Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        Attributes attrs = getattr(fileId);
        int granted = Permissions.granted(caller, inode(fileId)) & requested;
        if (readOnly) {
            granted &= ~(Access.MODIFY | Access.EXTEND | Access.DELETE);
        }
        return new Results.Access(granted, attrs);
    }

    Results.Readlink readlink(long fileId) throws FsException {
        Inode inode = inode(fileId);
        if (inode.type() != FileType.SYMLINK) {
            throw new FsException(FsError.INVAL, "inode " + fileId + " is not a symbolic link");
        }
        String target = inode.symlinkTarget();
        if (target == null) {
            // Imported from the bucket: the target is the object's body.
            Results.Read body = read(Caller.ROOT, fileId, 0, (int) Math.min(inode.size(), MAX_SYMLINK_BYTES));
            String read;
            try {
                read = StandardCharsets.UTF_8.decode(body.data()).toString();
            } finally {
                body.release();
            }
            store.write(Durability.BUFFERED, tx -> {
                Inode fresh = Inodes.inode(tx, fileId);
                fresh.learnSymlinkTarget(read);
                return tx.putInodeQuietly(fresh);
            });
            target = read;
        }
        return new Results.Readlink(target, getattr(fileId));
    }

    Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        Inode inode = inode(fileId);
        if (inode.isDirectory()) {
            throw new FsException(FsError.ISDIR, "inode " + fileId + " is a directory");
        }
        if (!caller.isRoot() && caller.uid() != inode.uid()) {
            Permissions.require(caller, inode, Access.READ, "read this file");
        }
        if (offset < 0 || count < 0) {
            throw new FsException(FsError.INVAL, "negative offset or count");
        }
        long end = Math.min(inode.size(), offset + count);
        if (offset >= end) {
            return new Results.Read(ByteBuffer.allocate(0), true, inodes.attributes(inode));
        }
        ReadPath.Bytes bytes = readPath.read(inode, offset, end);
        Inode current = bytes.file();
        return new Results.Read(bytes.data(), offset + bytes.data().bytes().remaining() >= current.size(),
                inodes.attributes(current));
    }

    Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException {
        writable();
        int count = data.remaining();
        if (offset < 0 || offset > VirtualFileSystem.MAX_FILE_SIZE - count) {
            throw new FsException(FsError.FBIG, "a write at " + Long.toUnsignedString(offset) + " of " + count
                    + " bytes ends beyond the largest file, " + VirtualFileSystem.MAX_FILE_SIZE + " bytes");
        }
        if (cache.usableSpace() < DISK_RESERVE_BYTES + count) {
            throw new FsException(FsError.NOSPC, "the cache disk is full; uploads must drain it first");
        }
        boolean stable = stability != Stability.UNSTABLE;
        // UNSTABLE writes share the file's data lock with each other and with readers: positional writes need no
        // exclusion among themselves, the inode's change is one metadata transaction, and a COMMIT reads what the
        // file holds. A file written by many calls in flight at once (16 random writes into one file) had them queue
        // here one by one. A stable write holds it alone, as a COMMIT does: what each makes durable (a journal record,
        // a synced cache file) must be in the order its bytes reached the file, or a replay after a crash would put
        // older bytes over newer ones.
        Lock dataLock = stable ? cache.lockFor(fileId).writeLock() : cache.lockFor(fileId).readLock();
        dataLock.lock();
        try {
            WccAttributes before = store.read(tx -> {
                Inode inode = Inodes.inode(tx, fileId);
                if (inode.isDirectory()) {
                    throw new FsException(FsError.ISDIR, "inode " + fileId + " is a directory");
                }
                if (inode.type() != FileType.REGULAR) {
                    throw new FsException(FsError.INVAL, "inode " + fileId + " is not a regular file");
                }
                Permissions.requireWrite(caller, inode);
                return inodes.attributes(inode).wcc();
            });
            cache.write(fileId, offset, data);
            // Replicated, the bytes travel with the transaction, durable with it on a majority of the group. Alone, a
            // stable write's bytes go into the metadata log with its transaction when they are few, and into its
            // synced cache file when they are many; an unstable one's wait for COMMIT.
            boolean replicated = store.replicated();
            boolean journalIt = !replicated && stable && count <= DataJournal.MAX_JOURNAL_BYTES;
            if (!replicated && !stable) {
                journal.written(fileId, offset, count);
            } else if (!replicated && !journalIt) {
                cache.force(fileId);
            }
            long[] journaled = {-1};
            Results.Written written = store.write(stable ? Durability.SYNC : Durability.BUFFERED, tx -> {
                if (journalIt) {
                    journaled[0] = journal.journal(tx, fileId, offset, data);
                }
                if (replicated) {
                    tx.replicateWrite(fileId, offset, data);
                }
                Inode inode = Inodes.inode(tx, fileId);
                inode.write(offset, offset + count, Inodes.now());
                if (!caller.isRoot()) {
                    inode.dropSetIds(); // a write by someone drops setuid/setgid, as on a local file system
                }
                tx.putInode(inode).markDirty(fileId, System.currentTimeMillis());
                cache.recordUsage(fileId, inode.present().totalLength());
                return new Results.Written(count, stability, new Wcc(before, inodes.attributes(inode)));
            });
            if (journaled[0] >= 0) {
                journal.journaled(fileId, journaled[0]);
            }
            return written;
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot write cache file of inode " + fileId, e);
        } finally {
            dataLock.unlock();
        }
    }

    Wcc commit(long fileId) throws FsException {
        Inode inode = inode(fileId);
        WccAttributes before = inodes.attributes(inode).wcc();
        try {
            // Replicated, every byte written went with its WRITE's transaction: the log's sync covers them.
            if (inode.type() == FileType.REGULAR && !inode.present().isEmpty() && !store.replicated()) {
                journal.commit(fileId);
            }
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot sync cache file of inode " + fileId, e);
        }
        store.syncWal();
        return new Wcc(before, inodes.attributes(inode(fileId)));
    }

    Results.FsStat fsstat(long fileId) throws FsException {
        Attributes attrs = getattr(fileId);
        // A bucket has no fixed size: report a large capacity, with the cache disk's free space as the limit
        // that matters for writes not yet uploaded.
        long total = 1L << 50;
        long free = Math.min(total, cache.usableSpace());
        long files = 1L << 40;
        return new Results.FsStat(total, free, free, files, files, files, attrs);
    }

    void writable() throws FsException {
        if (readOnly) {
            throw new FsException(FsError.ROFS, "read-only file system");
        }
    }
}
