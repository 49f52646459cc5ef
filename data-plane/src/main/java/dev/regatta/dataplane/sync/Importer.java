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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Brings the bucket into the file system view, lazily: a directory is listed (ListObjectsV2, one level) the
 * first time it is needed and again once its listing is older than the revalidation interval, so objects put,
 * overwritten or deleted through the S3 API show up. Local changes not yet synced always win over the listing.
 *
 * <p>Only a directory never listed makes its callers wait for the listing, and each only as far as it needs: the
 * listing runs in the background, its callers share it, and a READDIR answers once the entries of its reply are
 * merged, a LOOKUP once its name is merged or passed. One listed before keeps serving what it shows while it is
 * listed again in the background (one listing at a time per directory), and the difference is merged as the pages
 * arrive: what changed here meanwhile is newer than the listing and wins. Pages are merged one
 * transaction each, so a listing of 100,000 keys never holds the store for long, and the attributes of new objects
 * (a HEAD each: {@link AttributeFetcher}) are read while later pages are still on their way.
 */
public final class Importer {

    private static final Logger log = LoggerFactory.getLogger(Importer.class);

    private final MetadataStore store;
    private final ObjectStore objects;
    private final KeyCodec keys;
    private final AttributeCodec attributeCodec;
    private final DataCache cache;
    private final long revalidateMillis;
    private final int scanBatch;
    private final Map<Long, ReentrantLock> listingLocks = new ConcurrentHashMap<>();
    private final AttributeFetcher attributes;
    private final ExecutorService revalidations = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore revalidationPermits;
    private final Map<Long, CompletableFuture<Void>> revalidating = new ConcurrentHashMap<>();
    /** First listings running, one per directory: their callers wait on their progress. */
    private final Map<Long, FirstListing> listingsUnderWay = new ConcurrentHashMap<>();
    private final Counter skippedKeys;
    private final Counter shadowedFiles;
    private final Counter conflicts;
    private final Counter listRequests;
    private final Counter firstListings;
    private final Counter revalidated;
    private final Counter revalidationFailures;

    public Importer(MetadataStore store, ObjectStore objects, KeyCodec keys, AttributeCodec attributeCodec,
                    DataCache cache, Duration revalidateAfter, MeterRegistry metrics) {
        this(store, objects, keys, attributeCodec, cache, revalidateAfter, ImportSettings.DEFAULTS, metrics);
    }

    public Importer(MetadataStore store, ObjectStore objects, KeyCodec keys, AttributeCodec attributeCodec,
                    DataCache cache, Duration revalidateAfter, ImportSettings settings, MeterRegistry metrics) {
        this.store = store;
        this.objects = LongPathObjectStore.over(objects, keys, metrics);
        this.keys = keys;
        this.attributeCodec = attributeCodec;
        this.cache = cache;
        this.revalidateMillis = revalidateAfter.toMillis();
        this.scanBatch = settings.scanBatch();
        this.revalidationPermits = new Semaphore(settings.revalidationConcurrency());
        this.attributes = new AttributeFetcher(store, this.objects, attributeCodec, settings.headMinConcurrency(),
                settings.headInitialConcurrency(), settings.headMaxConcurrency(), settings.foregroundHeads(), metrics);
        this.skippedKeys = Counter.builder("import_skipped_keys_total")
                .description("keys that cannot be paths (empty segments, '.', '..', too long)").register(metrics);
        this.shadowedFiles = Counter.builder("import_shadowed_files_total")
                .description("objects 'a' hidden because keys 'a/...' make 'a' a directory").register(metrics);
        this.conflicts = Counter.builder("sync_conflicts_total")
                .description("objects changed through S3 while the file system had unsynced changes to them")
                .register(metrics);
        this.listRequests = Counter.builder("import_list_requests_total")
                .description("pages of directory listings merged (a LIST request each; a directory that may hold "
                        + "long-path entries merges its listing as one)").register(metrics);
        this.firstListings = Counter.builder("import_listings_total").tag("kind", "first")
                .description("directory listings completed").register(metrics);
        this.revalidated = Counter.builder("import_listings_total").tag("kind", "revalidation")
                .description("directory listings completed").register(metrics);
        this.revalidationFailures = Counter.builder("import_revalidation_failures_total")
                .description("revalidations that S3 did not answer (the directory kept its last listing)")
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
     * Makes sure the directory has been listed from the bucket. A directory never listed is listed now (its callers
     * share one listing); with S3 unreachable it cannot be served, and the caller is told to retry (JUKEBOX). One
     * whose listing is older than the revalidation interval is served as it is while a listing runs in the background.
     */
    public void ensureListed(long directoryId) throws FsException {
        awaitListing(directoryId, listing -> false);
    }

    /**
     * Makes sure the listing of the directory has decided whether {@code name} is in it: a directory listed before is
     * as {@link #ensureListed}; during a directory's first listing, a name already merged is there, and one the
     * listing has passed in the bucket's order (or that it never showed, once it ended) is not.
     */
    public void ensureNameKnown(long directoryId, String name) throws FsException {
        awaitListing(directoryId, listing -> listing.passed(name)
                || store.read(tx -> tx.lookup(directoryId, name)) != null);
    }

    /**
     * Makes sure the directory has been listed at least as far as {@code enough} needs, which is asked again as each
     * page of a first listing is merged: a READDIR needs only the entries of its reply. Returns whether the
     * directory's listing is complete; false means {@code enough} was met while its first listing still runs, and
     * more entries may come (each with a later cookie than any merged so far).
     */
    public boolean ensureListedUntil(long directoryId, BooleanSupplier enough) throws FsException {
        return awaitListing(directoryId, listing -> enough.getAsBoolean());
    }

    private boolean awaitListing(long directoryId, Predicate<FirstListing> enough) throws FsException {
        // A fresh listing is the common case and needs no lock of its own: every CREATE and REMOVE asks, and taking
        // the directory's listing lock only to find it fresh made concurrent callers in one directory wait in turn
        // (a JFR profile of 16 concurrent creators showed them parked here, 5 ms on average per create).
        Inode dir = store.read(tx -> tx.inode(directoryId));
        if (!needsListing(dir)) {
            return true;
        }
        if (dir.listedAtMillis() != 0) {
            // A revalidation of 78 pages took 70 s on a local endpoint, and every CREATE in that directory waited
            // for it; what the directory shows now is what it showed a moment ago, and stays right for our changes.
            revalidateInBackground(directoryId);
            return true;
        }
        FirstListing listing = firstListing(directoryId);
        try {
            while (true) {
                long seen = listing.progress();
                if (listing.ended()) {
                    listing.rethrowFailure();
                    return true;
                }
                if (enough.test(listing)) {
                    return false;
                }
                listing.awaitBeyond(seen);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(FsError.JUKEBOX, "closing while directory " + directoryId + " is listed", e);
        }
    }

    /**
     * The running first listing of a directory, or a new one started in the background: a listing of 100,000 keys
     * takes longer than an RPC may, and its callers need only part of it each.
     */
    private FirstListing firstListing(long directoryId) {
        FirstListing mine = new FirstListing();
        FirstListing running = listingsUnderWay.putIfAbsent(directoryId, mine);
        if (running != null) {
            return running;
        }
        try {
            revalidations.execute(() -> {
                FsException failure = null;
                boolean listed = false;
                try {
                    listNow(directoryId, mine);
                    listed = true;
                } catch (FsException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    log.warn("first listing of directory {} failed", directoryId, e);
                    failure = new FsException(FsError.IO, "listing directory " + directoryId + " failed", e);
                } finally {
                    if (!listed && failure == null) { // an Error: its waiters must not take the listing as whole
                        failure = new FsException(FsError.IO, "listing directory " + directoryId + " failed");
                    }
                    listingsUnderWay.remove(directoryId, mine);
                    mine.end(failure);
                }
            });
        } catch (RejectedExecutionException closing) {
            listingsUnderWay.remove(directoryId, mine);
            mine.end(new FsException(FsError.JUKEBOX, "closing"));
        }
        return mine;
    }

    /** Lists the directory in this thread unless a fresh listing is known; one listing at a time per directory. */
    private void listNow(long directoryId) throws FsException {
        listNow(directoryId, null);
    }

    private void listNow(long directoryId, FirstListing progress) throws FsException {
        ReentrantLock listing = listingLocks.computeIfAbsent(directoryId, id -> new ReentrantLock());
        listing.lock();
        try {
            Inode dir = store.read(tx -> tx.inode(directoryId));
            if (needsListing(dir)) {
                list(dir, progress); // unless listed by the caller that held the lock before us
            }
        } finally {
            listing.unlock();
        }
    }

    /**
     * How far a directory's first listing has come, for the callers waiting on it. S3 lists keys in order and each
     * page is merged before the next, so after a page the directory holds every name the listing will show up to
     * the page's last name, except the files it holds back for the next page (a name that the last one starts with).
     */
    private static final class FirstListing {
        /** Pages merged, and one more at the end: a waiter looks again whenever it moves. */
        private long progress;
        /** The last name of the last page merged, relative to the directory's prefix (a subdirectory ends in '/'). */
        private String through;
        private boolean ended;
        private FsException failure;

        synchronized long progress() {
            return progress;
        }

        synchronized boolean ended() {
            return ended;
        }

        synchronized void rethrowFailure() throws FsException {
            if (failure != null) {
                throw new FsException(failure.error(), failure.getMessage(), failure);
            }
        }

        synchronized void merged(String last) {
            if (last != null) {
                through = last;
            }
            progress++;
            notifyAll();
        }

        synchronized void end(FsException failure) {
            this.failure = failure;
            ended = true;
            progress++;
            notifyAll();
        }

        synchronized void awaitBeyond(long seen) throws InterruptedException {
            while (progress == seen) {
                wait();
            }
        }

        /**
         * Whether the listing has passed both keys {@code name} could have (the file, and the prefix 'name/' that
         * sorts after it), and does not hold the file back for the next page.
         */
        synchronized boolean passed(String name) {
            if (ended) {
                return failure == null;
            }
            return through != null && compareCodePoints(name + "/", through) < 0 && !through.startsWith(name);
        }
    }

    /** Starts a background listing of the directory unless one is queued or running. */
    private void revalidateInBackground(long directoryId) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        if (revalidating.putIfAbsent(directoryId, mine) != null) {
            return;
        }
        try {
            revalidations.execute(() -> {
                try {
                    revalidationPermits.acquire();
                    try {
                        listNow(directoryId);
                    } finally {
                        revalidationPermits.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closing
                } catch (FsException | RuntimeException e) {
                    if (!revalidations.isShutdown()) { // closing interrupts listings in flight
                        log.warn("background listing of directory {} failed; it keeps its last listing: {}",
                                directoryId, e.toString());
                    }
                } finally {
                    revalidating.remove(directoryId, mine);
                    mine.complete(null);
                }
            });
        } catch (RejectedExecutionException closing) {
            revalidating.remove(directoryId, mine);
            mine.complete(null);
        }
    }

    /**
     * The background listing of a directory that is queued or running, complete when it ends (at once if there is
     * none): for tests and tools that must see the bucket's current state.
     */
    public CompletableFuture<Void> revalidation(long directoryId) {
        return revalidating.getOrDefault(directoryId, CompletableFuture.completedFuture(null));
    }

    /**
     * Lists {@code dir} and merges the listing page by page, telling {@code progress} (if any) of each; the caller
     * holds the directory's listing lock.
     */
    private void list(Inode dir, FirstListing progress) throws FsException {
        String path = store.read(tx -> Namespace.directoryPath(tx, dir));
        if (path == null) {
            return;
        }
        String prefix = keys.directoryKey(path);
        boolean first = dir.listedAtMillis() == 0;
        Merge merge = new Merge(dir.id(), prefix, System.currentTimeMillis());
        // At the root under a key prefix over 768 bytes, names too long for a native key follow the native pages
        // out of order (LongPathObjectStore): no name counts as passed before the end there.
        boolean inOrder = path.isEmpty() ? KeyCodec.utf8Length(prefix) + KeyCodec.MAX_NAME_BYTES + 1
                <= KeyCodec.MAX_KEY_BYTES : !keys.mayHoldLongEntries(path);
        try {
            objects.listPages(prefix, page -> {
                listRequests.increment();
                String last = merge.page(page);
                if (progress != null) {
                    progress.merged(inOrder ? last : null);
                }
            });
        } catch (ObjectStoreException e) {
            if (!first) {
                revalidationFailures.increment();
                log.debug("revalidation of '{}' failed, serving the last listing: {}", prefix, e.getMessage());
                return;
            }
            log.info("listing '{}' failed ({}); the client will retry", prefix, e.getMessage());
            throw new FsException(FsError.JUKEBOX, "S3 listing of '" + prefix + "' failed", e);
        }
        merge.finish();
        (first ? firstListings : revalidated).increment();
    }

    /**
     * Lists a directory and everything below it (before a directory rename moves every key); a stale listing is
     * renewed in this thread, since a key the rename does not know of would stay behind under the old name.
     */
    public void ensureSubtreeListed(long directoryId) throws FsException {
        List<Long> pending = new ArrayList<>(List.of(directoryId));
        while (!pending.isEmpty()) {
            long dir = pending.remove(pending.size() - 1);
            listNow(dir);
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

    /** A page of a listing sorted by what each name is: subdirectories, files, and the directory's own marker. */
    private record Sorted(Set<String> subdirectories, Map<String, ObjectStore.ObjectSummary> files,
                          ObjectStore.ObjectSummary marker) {
    }

    /**
     * Sorts a page, with the files held back from the page before; names that cannot be paths are left out, and a
     * file under a subdirectory's name is hidden.
     */
    private Sorted sort(String prefix, ObjectStore.Listing found, Map<String, ObjectStore.ObjectSummary> carried) {
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
        List<ObjectStore.ObjectSummary> candidates = new ArrayList<>(carried.values());
        candidates.addAll(found.objects());
        for (ObjectStore.ObjectSummary object : candidates) {
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
     * The last name of a page in the bucket's order (UTF-8 bytes, which is code point order), relative to
     * {@code prefix}; null for an empty page.
     */
    private static String lastName(String prefix, ObjectStore.Listing page) {
        String last = null;
        for (ObjectStore.ObjectSummary o : page.objects()) {
            last = later(last, o.key().substring(prefix.length()));
        }
        for (String p : page.commonPrefixes()) {
            last = later(last, p.substring(prefix.length()));
        }
        return last;
    }

    private static String later(String a, String b) {
        return a == null || compareCodePoints(a, b) < 0 ? b : a;
    }

    /** Compares in the bucket's order: code points, as S3 compares UTF-8 bytes. */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * One listing of a directory being merged, page by page. It was taken at {@code listedAt} (when its first request
     * went out): what changed here since (a sync that finished, a deletion that completed, a name made or removed
     * through NFS) is newer than the listing and wins over it. Names go away only once the last page is in.
     */
    private final class Merge {
        private final long directoryId;
        private final String prefix;
        private final long listedAt;
        /** Every name the listing showed so far. */
        private final Set<String> listed = new HashSet<>();
        /**
         * Files of the last page that a subdirectory of the same name on the next page may hide: keys sort 'a' <
         * 'a-b' < 'a/', so 'a/' can follow 'a' on a later page only if the page ends in a name starting with 'a'.
         */
        private Map<String, ObjectStore.ObjectSummary> carried = Map.of();
        private ObjectStore.ObjectSummary marker;
        private boolean gone;

        Merge(long directoryId, String prefix, long listedAt) {
            this.directoryId = directoryId;
            this.prefix = prefix;
            this.listedAt = listedAt;
        }

        /** Merges a page; returns its last name (null if it had none, or the directory is gone). */
        String page(ObjectStore.Listing page) {
            if (gone) {
                return null;
            }
            Sorted sorted = sort(prefix, page, carried);
            if (sorted.marker() != null) {
                marker = sorted.marker();
            }
            String last = lastName(prefix, page);
            Map<String, ObjectStore.ObjectSummary> now = new HashMap<>();
            Map<String, ObjectStore.ObjectSummary> held = new HashMap<>();
            for (Map.Entry<String, ObjectStore.ObjectSummary> f : sorted.files().entrySet()) {
                (last != null && last.startsWith(f.getKey()) ? held : now).put(f.getKey(), f.getValue());
            }
            carried = held;
            apply(sorted.subdirectories(), now);
            return gone ? null : last;
        }

        void finish() {
            if (!carried.isEmpty() && !gone) {
                apply(Set.of(), carried);
            }
            if (gone) {
                return;
            }
            removeVanished();
            List<Long> needHead = new ArrayList<>();
            store.write(Durability.BUFFERED, batch -> {
                needHead.clear();
                Inode dir = batch.inode(directoryId);
                if (dir == null) {
                    return null;
                }
                for (String name : batch.tombstones(directoryId)) {
                    if (!listed.contains(name)) {
                        batch.removeTombstone(directoryId, name); // the bucket has caught up
                    }
                }
                if (marker != null && !dir.isDirty() && dir.syncedAtMillis() < listedAt
                        && !unchanged(marker, dir.baseEtag())) {
                    dir.adoptMarker(marker.key(), marker.etag());
                    needHead.add(dir.id());
                }
                dir.listed(System.currentTimeMillis());
                batch.putInodeQuietly(dir);
                return null;
            });
            attributes.prefetch(needHead);
        }

        /** Merges one page's names (one transaction); the HEADs of what it imported are queued at once. */
        private void apply(Set<String> subdirectories, Map<String, ObjectStore.ObjectSummary> files) {
            listed.addAll(subdirectories);
            listed.addAll(files.keySet());
            List<Long> needHead = new ArrayList<>();
            List<Long> evict = new ArrayList<>();
            store.write(Durability.BUFFERED, batch -> {
                needHead.clear();
                evict.clear();
                Inode dir = batch.inode(directoryId);
                if (dir == null) {
                    gone = true;
                    return null;
                }
                long now = System.currentTimeMillis();
                for (String name : subdirectories) {
                    mergeSubdirectory(batch, dir, prefix, name, listedAt, now, needHead);
                }
                for (Map.Entry<String, ObjectStore.ObjectSummary> f : files.entrySet()) {
                    mergeFile(batch, dir, f.getKey(), f.getValue(), listedAt, needHead, evict);
                }
                batch.putInodeQuietly(dir);
                if (!evict.isEmpty()) {
                    batch.requireSync(); // dropping cached bytes must be on disk before their file goes (CacheEvictor)
                }
                return null;
            });
            evict.forEach(cache::delete);
            attributes.prefetch(needHead);
        }

        /**
         * Removes the entries that were in the bucket, are clean here, and are no longer listed: deleted through S3.
         * The directory is read a batch at a time, and only a batch with such entries takes a write transaction.
         */
        private void removeVanished() {
            long after = 0;
            while (true) {
                long from = after;
                List<MetadataStore.Entry> batchOfEntries = store.read(tx -> tx.entries(directoryId, from, scanBatch));
                if (batchOfEntries.isEmpty()) {
                    return;
                }
                after = batchOfEntries.get(batchOfEntries.size() - 1).cookie();
                List<String> unlisted = new ArrayList<>();
                for (MetadataStore.Entry e : batchOfEntries) {
                    if (!listed.contains(e.name())) {
                        unlisted.add(e.name());
                    }
                }
                if (!unlisted.isEmpty()) {
                    removeUnlisted(unlisted);
                }
            }
        }

        private void removeUnlisted(List<String> names) {
            List<Long> evict = new ArrayList<>();
            store.write(Durability.BUFFERED, batch -> {
                evict.clear();
                Inode dir = batch.inode(directoryId);
                if (dir == null) {
                    return null;
                }
                boolean changed = false;
                for (String name : names) {
                    MetadataStore.Entry e = batch.lookup(directoryId, name);
                    if (e != null && removeIfVanished(batch, dir, e, evict)) {
                        changed = true;
                    }
                }
                if (changed) {
                    batch.putInodeQuietly(dir);
                }
                if (!evict.isEmpty()) {
                    batch.requireSync(); // dropping cached bytes must be on disk before their file goes (CacheEvictor)
                }
                return null;
            });
            evict.forEach(cache::delete);
        }

        /** Removes an unlisted entry unless something of ours keeps it (unsynced, synced since, not from here). */
        private boolean removeIfVanished(WriteTransaction batch, Inode dir, MetadataStore.Entry e, List<Long> evict) {
            Inode child = batch.inode(e.childId());
            if (child == null || child.isDirty() || batch.dirtyMark(child.id()) != null
                    || child.syncedAtMillis() >= listedAt) {
                return false;
            }
            if (child.isDirectory()) {
                if (batch.hasEntries(child.id())) {
                    return false; // emptied by its own revalidation first
                }
            } else if (!child.syncedKeys().contains(prefix + e.name())) {
                return false;
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
            return true;
        }
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

    /**
     * Reads the attributes (mode, owner, times: a HEAD each) of those of the inodes imported from a listing whose
     * attributes are not known yet, and waits for them; HEADs already running in the background are joined.
     */
    public void ensureAttributes(Collection<Long> ids) {
        attributes.fetch(ids);
    }

    /**
     * Whether an inode's attributes are what they will stay until it changes: false while the HEAD of an object
     * imported from a listing is pending (it shows the bucket's defaults until then).
     */
    public static boolean attributesKnown(Inode inode) {
        return !inode.needsHead() || inode.syncedKeys().isEmpty();
    }

    private void skip(String key) {
        skippedKeys.increment();
        log.info("key '{}' cannot be a path here (empty segment, '.', '..' or too long); left out of the view", key);
    }

    /** Stops the background listings and attribute fetches, and waits for them: the store closes next. */
    public void close() {
        revalidations.shutdownNow();
        try {
            revalidations.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        attributes.close();
    }
}
