package dev.regatta.dataplane.meta;

import java.util.List;
import java.util.Map;

/**
 * What a transaction may read: committed state, consistent for the transaction's length because the store's lock is
 * held. Inodes come back as copies; changing one changes nothing until a {@link WriteTransaction} puts it.
 */
public class ReadTransaction {

    final MetadataStore store;

    ReadTransaction(MetadataStore store) {
        this.store = store;
    }

    /** The inode, or null if there is none with that id. */
    public Inode inode(long id) {
        return store.inode(id);
    }

    /** The child named {@code name} in directory {@code parentId}, or null. */
    public MetadataStore.Entry lookup(long parentId, String name) {
        return store.lookup(parentId, name);
    }

    /** Entries of a directory with cookies greater than {@code afterCookie}, in cookie order. */
    public List<MetadataStore.Entry> entries(long parentId, long afterCookie, int max) {
        return store.entries(parentId, afterCookie, max);
    }

    public boolean hasEntries(long parentId) {
        return store.hasEntries(parentId);
    }

    /** Inodes queued for sync, with when each was first and last marked. */
    public Map<Long, MetadataStore.DirtyMark> dirtyQueue() {
        return store.dirtyQueue();
    }

    /**
     * A page of the sync queue: at most {@code max} inodes with ids above {@code afterId}, by id; a scan of a long
     * queue takes it page by page, in one short transaction each, so that writers do not wait for the whole scan.
     */
    public Map<Long, MetadataStore.DirtyMark> dirtyQueue(long afterId, int max) {
        return store.dirtyQueue(afterId, max);
    }

    public MetadataStore.DirtyMark dirtyMark(long id) {
        return store.dirtyMark(id);
    }

    /** Keys waiting to be deleted from the bucket (not those already deleted and kept as recent). */
    public List<String> pendingDeletes(int max) {
        return store.pendingDeletes(max);
    }

    public boolean isPendingDelete(String key) {
        return store.isPendingDelete(key);
    }

    /** Whether we deleted the key from the bucket at or after {@code millis} (a listing before may still show it). */
    public boolean deletedSince(String key, long millis) {
        return store.deletedSince(key, millis);
    }

    /** Deletions completed before {@code millis}, which no listing in flight can predate any more. */
    public List<String> completedDeletesBefore(long millis, int max) {
        return store.completedDeletesBefore(millis, max);
    }

    /** Whether a name left a directory here while the bucket may still show it. */
    public boolean hasTombstone(long parentId, String name) {
        return store.hasTombstone(parentId, name);
    }

    public List<String> tombstones(long parentId) {
        return store.tombstones(parentId);
    }

    /** Every journal record, by file and then in order (for the replay after a crash). */
    public List<JournalRecord> journal() {
        return store.journal();
    }

    /** The file system's file handle key, or null before its first writer made one. */
    public byte[] handleKey() {
        return store.handleKey();
    }

    /**
     * A record of the file system's lock service ({@code hosts}, {@code state}: see
     * {@code locks.MonitoredHosts}), or null: kept here so that every member of its group has it.
     */
    public byte[] lockRecord(String name) {
        return store.lockRecord(name);
    }

    /** Whether no local change is on its way to the bucket (uploads or deletions). */
    public boolean syncBacklogEmpty() {
        return store.syncBacklogEmpty();
    }
}
