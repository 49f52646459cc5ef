package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.ReadTransaction;
import dev.regatta.dataplane.meta.WriteTransaction;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LongPathObjectStore;
import dev.regatta.dataplane.s3.ObjectAttributes;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Brings the bucket into the file system view, lazily: a directory is listed (ListObjectsV2, one level) the
 * first time it is needed and again once its listing is older than the revalidation interval, so objects put,
 * overwritten or deleted through the S3 API show up. Local changes not yet synced always win over the listing.
 */
public final class Importer {

    private static final Logger log = LoggerFactory.getLogger(Importer.class);
    private static final int HEAD_CONCURRENCY = 16;

    private final MetadataStore store;
    private final ObjectStore objects;
    private final KeyCodec keys;
    private final AttributeCodec attributeCodec;
    private final DataCache cache;
    private final long revalidateMillis;
    private final Map<Long, ReentrantLock> listingLocks = new ConcurrentHashMap<>();
    private final ExecutorService heads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore headPermits = new Semaphore(HEAD_CONCURRENCY);
    private final Counter skippedKeys;
    private final Counter shadowedFiles;
    private final Counter conflicts;

    public Importer(MetadataStore store, ObjectStore objects, KeyCodec keys, AttributeCodec attributeCodec,
                    DataCache cache, Duration revalidateAfter, MeterRegistry metrics) {
        this.store = store;
        this.objects = LongPathObjectStore.over(objects, keys, metrics);
        this.keys = keys;
        this.attributeCodec = attributeCodec;
        this.cache = cache;
        this.revalidateMillis = revalidateAfter.toMillis();
        this.skippedKeys = Counter.builder("import_skipped_keys_total")
                .description("keys that cannot be paths (empty segments, '.', '..', too long)").register(metrics);
        this.shadowedFiles = Counter.builder("import_shadowed_files_total")
                .description("objects 'a' hidden because keys 'a/...' make 'a' a directory").register(metrics);
        this.conflicts = Counter.builder("sync_conflicts_total")
                .description("objects changed through S3 while the file system had unsynced changes to them")
                .register(metrics);
    }

    /** The key of the marker object of the directory at {@code path} (deleted with the directory). */
    public String markerKey(String path) {
        return keys.directoryKey(path);
    }

    /** Whether a directory's listing is missing or older than the revalidation interval. */
    public boolean isStale(long directoryId) {
        return needsListing(store.read(tx -> tx.inode(directoryId)));
    }

    private boolean needsListing(Inode dir) {
        return dir != null && dir.isDirectory() && stale(dir);
    }

    private boolean stale(Inode dir) {
        return dir.listedAtMillis() == 0 || System.currentTimeMillis() - dir.listedAtMillis() >= revalidateMillis;
    }

    /**
     * Lists the directory from the bucket unless a fresh listing is known. With S3 unreachable, a directory listed
     * before is served as last seen; one never listed cannot be, and the caller is told to retry (JUKEBOX).
     */
    public void ensureListed(long directoryId) throws FsException {
        // A fresh listing is the common case and needs no lock of its own: every CREATE and REMOVE asks, and taking
        // the directory's listing lock only to find it fresh made concurrent callers in one directory wait in turn
        // (a JFR profile of 16 concurrent creators showed them parked here, 5 ms on average per create).
        if (!needsListing(store.read(tx -> tx.inode(directoryId)))) {
            return;
        }
        ReentrantLock listing = listingLocks.computeIfAbsent(directoryId, id -> new ReentrantLock());
        listing.lock();
        try {
            Inode dir = store.read(tx -> tx.inode(directoryId));
            if (!needsListing(dir)) {
                return; // listed by the caller that held the lock before us
            }
            String path = store.read(tx -> Namespace.directoryPath(tx, dir));
            if (path == null) {
                return;
            }
            String prefix = keys.directoryKey(path);
            ObjectStore.Listing found;
            long listedAt = System.currentTimeMillis();
            try {
                found = objects.list(prefix);
            } catch (ObjectStoreException e) {
                if (dir.listedAtMillis() != 0) {
                    log.debug("revalidation of '{}' failed, serving the last listing: {}", prefix, e.getMessage());
                    return;
                }
                log.info("listing '{}' failed ({}); the client will retry", prefix, e.getMessage());
                throw new FsException(FsError.JUKEBOX, "S3 listing of '" + prefix + "' failed", e);
            }
            List<Long> needHead = merge(directoryId, prefix, found, listedAt);
            ensureAttributes(needHead);
        } finally {
            listing.unlock();
        }
    }

    /** Lists a directory and everything below it (before a directory rename moves every key). */
    public void ensureSubtreeListed(long directoryId) throws FsException {
        List<Long> pending = new ArrayList<>(List.of(directoryId));
        while (!pending.isEmpty()) {
            long dir = pending.remove(pending.size() - 1);
            ensureListed(dir);
            pending.addAll(store.read(tx -> subdirectories(tx, dir)));
        }
    }

    private static List<Long> subdirectories(ReadTransaction tx, long directoryId) {
        List<Long> found = new ArrayList<>();
        long after = 0;
        List<MetadataStore.Entry> page;
        while (!(page = tx.entries(directoryId, after, 1024)).isEmpty()) {
            for (MetadataStore.Entry e : page) {
                Inode child = tx.inode(e.childId());
                if (child != null && child.isDirectory()) {
                    found.add(child.id());
                }
                after = e.cookie();
            }
        }
        return found;
    }

    /** Forces the next access to the inode's directory to list again (its object changed or vanished). */
    public void invalidate(Inode inode) {
        store.write(Durability.BUFFERED, tx -> {
            for (Inode.Link link : inode.links()) {
                Inode parent = tx.inode(link.parentId());
                if (parent != null) {
                    parent.invalidateListing();
                    tx.putInodeQuietly(parent);
                }
            }
            return null;
        });
    }

    /** A directory's listing sorted by what each name is: subdirectories, files, and the directory's own marker. */
    private record Sorted(Set<String> subdirectories, Map<String, ObjectStore.ObjectSummary> files,
                          ObjectStore.ObjectSummary marker) {
    }

    /** Sorts a listing; names that cannot be paths are left out, and a file under a subdirectory's name is hidden. */
    private Sorted sort(String prefix, ObjectStore.Listing found) {
        Set<String> subdirectories = new HashSet<>();
        Map<String, ObjectStore.ObjectSummary> files = new HashMap<>();
        ObjectStore.ObjectSummary marker = null;
        for (String common : found.commonPrefixes()) {
            String name = common.substring(prefix.length(), common.length() - 1);
            if (KeyCodec.isValidName(name)) {
                subdirectories.add(name);
            } else {
                skip(common);
            }
        }
        for (ObjectStore.ObjectSummary object : found.objects()) {
            String name = object.key().substring(prefix.length());
            if (name.isEmpty()) {
                marker = object;
            } else if (!KeyCodec.isValidName(name)) {
                skip(object.key());
            } else if (subdirectories.contains(name)) {
                shadowedFiles.increment();
                log.info("object '{}' is hidden: keys below it make it a directory", object.key());
            } else {
                files.put(name, object);
            }
        }
        return new Sorted(subdirectories, files, marker);
    }

    /**
     * Applies a listing taken at {@code listedAt}. What changed here since (a sync that finished, a deletion
     * that completed) is newer than the listing and wins over it.
     */
    private List<Long> merge(long directoryId, String prefix, ObjectStore.Listing found, long listedAt) {
        Sorted listing = sort(prefix, found);
        List<Long> needHead = new ArrayList<>();
        List<Long> evict = new ArrayList<>();
        store.write(Durability.BUFFERED, batch -> {
            Inode dir = batch.inode(directoryId);
            if (dir == null) {
                return null;
            }
            long now = System.currentTimeMillis();
            for (String name : listing.subdirectories()) {
                mergeSubdirectory(batch, dir, prefix, name, listedAt, now, needHead);
            }
            for (Map.Entry<String, ObjectStore.ObjectSummary> f : listing.files().entrySet()) {
                mergeFile(batch, dir, f.getKey(), f.getValue(), listedAt, needHead, evict);
            }
            removeVanished(batch, dir, prefix, listing.subdirectories(), listing.files().keySet(), evict, listedAt);
            for (String name : batch.tombstones(directoryId)) {
                if (!listing.subdirectories().contains(name) && !listing.files().containsKey(name)) {
                    batch.removeTombstone(directoryId, name); // the bucket has caught up
                }
            }
            ObjectStore.ObjectSummary marker = listing.marker();
            if (marker != null && !dir.isDirty() && dir.syncedAtMillis() < listedAt
                    && !unchanged(marker, dir.baseEtag())) {
                dir.adoptMarker(marker.key(), marker.etag());
                needHead.add(dir.id());
            }
            dir.listed(now);
            batch.putInodeQuietly(dir);
            if (!evict.isEmpty()) {
                batch.requireSync(); // dropping cached bytes must be on disk before their file goes (CacheEvictor)
            }
            return null;
        });
        evict.forEach(cache::delete);
        return needHead;
    }

    /** A listed subdirectory not known here is imported, unless it was removed here and the bucket lags. */
    private void mergeSubdirectory(WriteTransaction batch, Inode dir, String prefix, String name, long listedAt,
                                   long now, List<Long> needHead) {
        String markerKey = prefix + name + "/";
        if (batch.lookup(dir.id(), name) == null && !buried(batch, dir.id(), name)
                && !batch.isPendingDelete(markerKey) && !batch.deletedSince(markerKey, listedAt)) {
            Inode child = imported(batch, dir, name, FileType.DIRECTORY, now);
            // Its marker, if there is one, carries its attributes; a HEAD tells.
            child.adoptMarker(markerKey, null);
            needHead.add(child.id());
            batch.putInodeQuietly(child);
        }
    }

    /**
     * A listed file: imported if new here; if its object changed through S3 since the last sync, a clean inode takes
     * the new object (its cached bytes go) and one with unsynced changes keeps them (a conflict, counted).
     */
    private void mergeFile(WriteTransaction batch, Inode dir, String name, ObjectStore.ObjectSummary object,
                           long listedAt, List<Long> needHead, List<Long> evict) {
        MetadataStore.Entry e = batch.lookup(dir.id(), name);
        if (e == null) {
            if (buried(batch, dir.id(), name) || batch.isPendingDelete(object.key())
                    || batch.deletedSince(object.key(), listedAt)) {
                return; // deleted here; the listing predates the deletion reaching the bucket
            }
            Inode child = imported(batch, dir, name, FileType.REGULAR, object.lastModifiedMillis());
            child.adoptObject(object.key(), object.etag(), object.size(), object.lastModifiedMillis());
            batch.putInodeQuietly(child);
            needHead.add(child.id());
            return;
        }
        Inode child = batch.inode(e.childId());
        if (child == null || child.isDirectory() || !child.syncedKeys().contains(object.key())
                || unchanged(object, child.baseEtag()) || child.syncedAtMillis() >= listedAt) {
            return;
        }
        if (child.isDirty() || batch.dirtyMark(child.id()) != null) {
            conflicts.increment();
            log.warn("'{}' changed in S3 while it has unsynced changes here; keeping the local version",
                    object.key());
            return;
        }
        child.replaceByObject(object.key(), object.etag(), object.size(), object.lastModifiedMillis());
        batch.putInodeQuietly(child);
        evict.add(child.id());
        needHead.add(child.id());
    }

    /**
     * Whether a listed name was removed or renamed away here and the bucket does not show that yet. Once nothing
     * of ours is on its way to S3, the name in the listing is someone else's, and the tombstone goes.
     */
    private boolean buried(WriteTransaction batch, long directoryId, String name) {
        if (!batch.hasTombstone(directoryId, name)) {
            return false;
        }
        if (batch.syncBacklogEmpty()) {
            batch.removeTombstone(directoryId, name);
            return false;
        }
        return true;
    }

    /** A new inode for a listed name, with the bucket's default attributes until its HEAD; entered in {@code dir}. */
    private Inode imported(WriteTransaction batch, Inode dir, String name, FileType type, long mtimeMillis) {
        boolean directory = type == FileType.DIRECTORY;
        ObjectAttributes defaults = attributeCodec.decode(Map.of(), directory, mtimeMillis);
        Inode child = Inode.imported(batch.allocateId(), type, defaults.mode(), defaults.uid(), defaults.gid(),
                mtimeMillis * 1_000_000L);
        child.addLink(dir.id(), name);
        batch.putEntry(dir.id(), name, child.id(), dir.entryAdded(directory));
        return child;
    }

    /**
     * Whether a listed object is the version last seen. Some S3-compatible stores list an object without an ETag
     * (S3Proxy's filesystem store, for one left half-written by a crash); without one there is no evidence of a
     * change, and re-importing on every revalidation would only throw the cache away.
     */
    private static boolean unchanged(ObjectStore.ObjectSummary object, String knownEtag) {
        return object.etag() == null || object.etag().equals(knownEtag);
    }

    /** Entries that were in the bucket, are clean here, and are no longer listed: deleted through S3. */
    private void removeVanished(WriteTransaction batch, Inode dir, String prefix, Set<String> subdirectories,
                                Set<String> files, List<Long> evict, long listedAt) {
        long after = 0;
        List<MetadataStore.Entry> page;
        while (!(page = batch.entries(dir.id(), after, 1024)).isEmpty()) {
            for (MetadataStore.Entry e : page) {
                after = e.cookie();
                if (subdirectories.contains(e.name()) || files.contains(e.name())) {
                    continue;
                }
                Inode child = batch.inode(e.childId());
                if (child == null || child.isDirty() || batch.dirtyMark(child.id()) != null
                        || child.syncedAtMillis() >= listedAt) {
                    continue;
                }
                if (child.isDirectory()) {
                    if (batch.hasEntries(child.id())) {
                        continue; // emptied by its own revalidation first
                    }
                } else if (!child.syncedKeys().contains(prefix + e.name())) {
                    continue;
                }
                batch.deleteEntry(dir.id(), e.name(), e.cookie());
                dir.entryRemoved(child.isDirectory());
                child.removeLink(dir.id(), e.name());
                child.forgetKey(prefix + e.name());
                if (child.links().isEmpty()) {
                    batch.deleteInode(child.id());
                    evict.add(child.id());
                } else {
                    batch.putInodeQuietly(child);
                }
            }
        }
    }

    /** Reads the metadata (mode, owner, times) of inodes imported from a listing, several at a time. */
    public void ensureAttributes(Collection<Long> ids) {
        List<Inode> pending = store.read(tx -> {
            List<Inode> found = new ArrayList<>();
            for (long id : ids) {
                Inode inode = tx.inode(id);
                if (inode != null && inode.needsHead() && !inode.syncedKeys().isEmpty()) {
                    found.add(inode);
                }
            }
            return found;
        });
        if (pending.isEmpty()) {
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (Inode inode : pending) {
            futures.add(heads.submit(() -> {
                headPermits.acquireUninterruptibly();
                try {
                    applyHead(inode);
                } finally {
                    headPermits.release();
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (Exception e) {
                log.debug("attribute fetch failed: {}", e.toString());
            }
        }
    }

    private void applyHead(Inode snapshot) {
        String key = snapshot.syncedKeys().get(0);
        Optional<ObjectStore.ObjectHead> head;
        try {
            head = objects.head(key);
        } catch (ObjectStoreException e) {
            // Defaults stand in until S3 answers; the next access tries again.
            log.debug("HEAD {} failed: {}", key, e.getMessage());
            return;
        }
        store.write(Durability.BUFFERED, tx -> {
            Inode inode = tx.inode(snapshot.id());
            if (inode == null || !inode.needsHead()) {
                return null;
            }
            if (head.isEmpty()) {
                inode.headMissing();
                tx.putInodeQuietly(inode);
                return null;
            }
            ObjectStore.ObjectHead h = head.get();
            ObjectAttributes a = attributeCodec.decode(h.metadata(), inode.isDirectory(), h.lastModifiedMillis());
            inode.headApplied(a.type(), a.mode(), a.uid(), a.gid(), a.mtimeNanos(), a.rdevMajor(), a.rdevMinor());
            tx.putInodeQuietly(inode);
            return null;
        });
    }

    private void skip(String key) {
        skippedKeys.increment();
        log.info("key '{}' cannot be a path here (empty segment, '.', '..' or too long); left out of the view", key);
    }

    /** Stops the attribute fetches in flight, and waits for them: the store closes next. */
    public void close() {
        heads.shutdownNow();
        try {
            heads.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
