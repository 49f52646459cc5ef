package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.DataJournal;
import dev.regatta.dataplane.cache.ReadPath;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.sync.Importer;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * POSIX semantics over the metadata store, the data cache and the bucket: the one {@link VirtualFileSystem} the
 * protocol adapters call. It only routes; each job has its own room:
 * <ul>
 *   <li>{@link Names}: lookups, listings and every change of names;</li>
 *   <li>{@link Contents}: attributes and data of one file;</li>
 *   <li>{@link ReadPath} (in cache): bytes from the cache, or fetched from S3 with read-ahead;</li>
 *   <li>{@link Importer} (in sync): what the bucket holds that the metadata does not know yet.</li>
 * </ul>
 * Every metadata change is one transaction of the {@link MetadataStore}; S3 is called only between transactions.
 */
public final class RegattaFileSystem implements VirtualFileSystem {

    private final MetadataStore store;
    private final Inodes inodes;
    private final ReadPath readPath;
    private final DataJournal journal;
    private final Contents contents;
    private final Names names;
    private final long writeVerifier = new SecureRandom().nextLong();
    private final boolean readOnly;

    /** @param objects the bucket through full-length keys (a {@code LongPathObjectStore}), as the importer sees it */
    public RegattaFileSystem(MetadataStore store, DataCache cache, ObjectStore objects, Importer importer,
                             long fsid, boolean readOnly, MeterRegistry metrics) {
        this.store = store;
        this.readOnly = readOnly;
        this.inodes = new Inodes(fsid);
        this.readPath = new ReadPath(store, cache, objects, importer::invalidate, metrics);
        this.journal = new DataJournal(store, cache);
        this.contents = new Contents(store, cache, journal, readPath, importer, inodes, readOnly);
        this.names = new Names(store, cache, importer, inodes, contents);
        try {
            journal.recover();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay the data journal into the cache", e);
        }
        ensureRoot();
    }

    /**
     * Syncs the cache files whose small writes were made durable through the metadata log, and retires those records
     * (run in the background, every few seconds).
     */
    public void checkpointJournal() throws IOException {
        journal.checkpoint();
    }

    private void ensureRoot() {
        store.write(Durability.SYNC, tx -> {
            if (tx.inode(Namespace.ROOT_ID) != null) {
                return null;
            }
            long id = tx.allocateId();
            if (id != Namespace.ROOT_ID) {
                throw new IllegalStateException("metadata store has inodes but no root");
            }
            return tx.putInode(Inode.newRoot(Inodes.now()));
        });
    }

    /** Stops read-ahead and waits for the fetches in flight: the store and cache close next. */
    public void close() {
        readPath.close();
    }

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
        return contents.getattr(fileId);
    }

    @Override
    public Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException {
        return contents.setattr(caller, fileId, changes, guardCtimeNanos);
    }

    @Override
    public Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        return contents.access(caller, fileId, requested);
    }

    @Override
    public Results.Readlink readlink(Caller caller, long fileId) throws FsException {
        return contents.readlink(fileId);
    }

    @Override
    public Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        return contents.read(caller, fileId, offset, count);
    }

    @Override
    public Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException {
        return contents.write(caller, fileId, offset, data, stability);
    }

    @Override
    public Wcc commit(long fileId, long offset, int count) throws FsException {
        return contents.commit(fileId);
    }

    @Override
    public Results.FsStat fsstat(long fileId) throws FsException {
        return contents.fsstat(fileId);
    }

    @Override
    public Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        return names.lookup(caller, directoryId, name);
    }

    @Override
    public Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier, int maxEntries,
                                   boolean withAttributes) throws FsException {
        return names.readdir(caller, directoryId, cookie, cookieVerifier, maxEntries, withAttributes);
    }

    @Override
    public Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                                  SetAttributes attributes, long verifier) throws FsException {
        return names.create(caller, directoryId, name, mode, attributes, verifier);
    }

    @Override
    public Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes)
            throws FsException {
        return names.mkdir(caller, directoryId, name, attributes);
    }

    @Override
    public Results.Created symlink(Caller caller, long directoryId, String name, String target,
                                   SetAttributes attributes) throws FsException {
        return names.symlink(caller, directoryId, name, target);
    }

    @Override
    public Results.Created mknod(Caller caller, long directoryId, String name, FileType type,
                                 SetAttributes attributes, int major, int minor) throws FsException {
        return names.mknod(caller, directoryId, name, type, attributes, major, minor);
    }

    @Override
    public Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException {
        return names.link(caller, fileId, directoryId, name);
    }

    @Override
    public Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        return names.remove(caller, directoryId, name);
    }

    @Override
    public Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        return names.rmdir(caller, directoryId, name);
    }

    @Override
    public Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId,
                                  String toName) throws FsException {
        return names.rename(caller, fromDirectoryId, fromName, toDirectoryId, toName);
    }
}
