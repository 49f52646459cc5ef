package dev.regatta.dataplane.meta;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A transaction that changes the metadata: reads see committed state (not this transaction's own staged changes),
 * and the changes staged here are written together when the body returns. Given only to the body of
 * {@link MetadataStore#write}; it is useless after that.
 */
public final class WriteTransaction extends ReadTransaction {

    private final MetadataStore.Batch batch;
    private boolean syncRequested;

    WriteTransaction(MetadataStore store, MetadataStore.Batch batch) {
        super(store);
        this.batch = batch;
    }

    /** A new inode id, taken only if the transaction commits. */
    public long allocateId() {
        return batch.allocateId();
    }

    /** Stores the inode as a change: its version moves on, so a sync that raced it keeps it queued. */
    public WriteTransaction putInode(Inode inode) {
        batch.putInode(inode);
        return this;
    }

    /** Stores the inode without counting it as a change (sync and cache bookkeeping). */
    public WriteTransaction putInodeQuietly(Inode inode) {
        batch.putInodeQuietly(inode);
        return this;
    }

    public WriteTransaction deleteInode(long id) {
        batch.deleteInode(id);
        return this;
    }

    public WriteTransaction putEntry(long parentId, String name, long childId, long cookie) {
        batch.putEntry(parentId, name, childId, cookie);
        return this;
    }

    public WriteTransaction deleteEntry(long parentId, String name, long cookie) {
        batch.deleteEntry(parentId, name, cookie);
        return this;
    }

    /** Queues an inode for sync; the first mark's time is kept, so the flush deadline counts from it. */
    public WriteTransaction markDirty(long id, long nowMillis) {
        batch.markDirty(id, nowMillis);
        return this;
    }

    public WriteTransaction clearDirty(long id) {
        batch.clearDirty(id);
        return this;
    }

    public WriteTransaction addPendingDelete(String key, long nowMillis) {
        batch.addPendingDelete(key, nowMillis);
        return this;
    }

    /** Records that the key is gone from the bucket; the record stays a while for listings in flight. */
    public WriteTransaction completeDelete(String key, long nowMillis) {
        batch.completeDelete(key, nowMillis);
        return this;
    }

    public WriteTransaction removePendingDelete(String key) {
        batch.removePendingDelete(key);
        return this;
    }

    public WriteTransaction addTombstone(long parentId, String name, long nowMillis) {
        batch.addTombstone(parentId, name, nowMillis);
        return this;
    }

    public WriteTransaction removeTombstone(long parentId, String name) {
        batch.removeTombstone(parentId, name);
        return this;
    }

    /** Sets the file system's file handle key (once: handles made under a key stay valid only while it does). */
    public WriteTransaction putHandleKey(byte[] key) {
        batch.putHandleKey(key);
        return this;
    }

    /** Replaces a record of the file system's lock service (see {@link ReadTransaction#lockRecord}). */
    public WriteTransaction putLockRecord(String name, byte[] bytes) {
        batch.putLockRecord(name, bytes);
        return this;
    }

    /**
     * Journals bytes of a file in this transaction: durable with it, replayed into the cache file after a crash until
     * {@link #retireJournal} drops them. Returns the record's sequence.
     */
    public long journal(long fileId, List<JournalRecord.Piece> pieces) {
        return batch.journal(fileId, pieces);
    }

    /** Drops the file's journal records up to {@code sequence}, once its cache file is synced. */
    public WriteTransaction retireJournal(long fileId, long sequence) {
        batch.retireJournal(fileId, sequence);
        return this;
    }

    /**
     * Sends bytes a client wrote to the file (already in this node's cache file) to the other members of a replicated
     * store with this transaction, so that they are as durable as it is; alone, nothing (the node's own cache file
     * and journal keep them). {@code bytes} is read when the transaction commits, from its position to its limit.
     */
    public WriteTransaction replicateWrite(long fileId, long offset, ByteBuffer bytes) {
        batch.fileOp(new FileOp(FileOp.WRITE, fileId, offset, bytes.duplicate()));
        return this;
    }

    /** Cuts the file to {@code size} on the other members of a replicated store, as it was cut here; alone, nothing. */
    public WriteTransaction replicateTruncate(long fileId, long size) {
        batch.fileOp(new FileOp(FileOp.TRUNCATE, fileId, size, null));
        return this;
    }

    /**
     * Makes this transaction durable on return even if it was opened {@link Durability#BUFFERED}: for a body that
     * learns only while running that what it stages must reach the disk before something else happens.
     */
    public void requireSync() {
        syncRequested = true;
    }

    boolean syncRequested() {
        return syncRequested;
    }

    long commit() {
        return batch.commit();
    }
}
