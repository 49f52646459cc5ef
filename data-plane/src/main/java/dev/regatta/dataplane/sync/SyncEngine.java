package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.ObjectFetcher;
import dev.regatta.dataplane.fs.FileType;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.ObjectAttributes;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write-back engine. An inode in the sync queue is uploaded once it has been quiet for the quiet period, or
 * at the latest at the flush deadline after its first unsynced change; however many writes it took, that is one
 * upload. Renames become copies to the new keys; keys no longer wanted go to the deletion queue, which is sent
 * in DeleteObjects batches. Failures back off and retry; nothing leaves the queue until S3 has it.
 */
public final class SyncEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
    private static final long MIN_PART = 5L << 20;
    private static final int MAX_PARTS = 10_000;

    private final MetadataStore store;
    private final Namespace namespace;
    private final ReentrantLock lock;
    private final DataCache cache;
    private final ObjectFetcher fetcher;
    private final ObjectStore objects;
    private final KeyCodec keys;
    private final AttributeCodec attributeCodec;
    private final long quietMillis;
    private final long deadlineMillis;
    private final long multipartThreshold;
    private final long partSize;
    private final Path emptyFile;
    private final KeyLocks keyLocks = new KeyLocks();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore uploadPermits;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<Long, Backoff> backoff = new ConcurrentHashMap<>();
    private final Set<String> deletesInFlight = ConcurrentHashMap.newKeySet();
    private volatile Backoff deleteBackoff = Backoff.NONE;
    private volatile boolean flushNow;
    private volatile boolean running = true;
    private final Thread scheduler;
    private final Counter uploads;
    private final Counter uploadedBytes;
    private final Counter copies;
    private final Counter failures;
    private final Counter deleted;

    private record Backoff(int attempts, long untilMillis) {
        static final Backoff NONE = new Backoff(0, 0);

        Backoff next(boolean permanent) {
            long delay = permanent ? 300_000 : Math.min(60_000, 1_000L << Math.min(attempts, 6));
            return new Backoff(attempts + 1, System.currentTimeMillis() + delay);
        }
    }

    public SyncEngine(MetadataStore store, ReentrantLock lock, DataCache cache, ObjectStore objects, KeyCodec keys,
                      AttributeCodec attributeCodec, Path dataDir, Duration quietPeriod, Duration flushDeadline,
                      long multipartThreshold, long partSize, int concurrency, MeterRegistry metrics) {
        this.store = store;
        this.namespace = new Namespace(store);
        this.lock = lock;
        this.cache = cache;
        this.fetcher = new ObjectFetcher(store, lock, cache, objects);
        this.objects = objects;
        this.keys = keys;
        this.attributeCodec = attributeCodec;
        this.quietMillis = quietPeriod.toMillis();
        this.deadlineMillis = flushDeadline.toMillis();
        this.multipartThreshold = Math.max(multipartThreshold, MIN_PART);
        this.partSize = Math.max(partSize, MIN_PART);
        this.uploadPermits = new Semaphore(concurrency);
        this.emptyFile = dataDir.resolve("empty");
        try {
            if (!Files.exists(emptyFile)) {
                Files.createFile(emptyFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + emptyFile, e);
        }
        // Read at scrape time, so that "0 dirty, 0 pending" means the bucket has everything at that moment.
        Gauge.builder("sync_dirty_files", this, e -> e.backlog().files())
                .description("inodes with changes not yet in S3").register(metrics);
        Gauge.builder("sync_dirty_bytes", this, e -> e.backlog().bytes())
                .description("changed bytes not yet in S3").register(metrics);
        Gauge.builder("sync_oldest_unsynced_seconds", this, e -> e.backlog().oldestAgeMillis() / 1000.0)
                .description("age of the oldest change not yet in S3").register(metrics);
        Gauge.builder("sync_pending_deletes", this, e -> e.backlog().pendingDeletes())
                .description("keys waiting to be deleted from S3").register(metrics);
        this.uploads = Counter.builder("sync_uploads_total").register(metrics);
        this.uploadedBytes = Counter.builder("sync_uploaded_bytes_total").register(metrics);
        this.copies = Counter.builder("sync_copies_total").register(metrics);
        this.failures = Counter.builder("sync_failures_total").register(metrics);
        this.deleted = Counter.builder("sync_deleted_keys_total").register(metrics);
        this.scheduler = Thread.ofPlatform().daemon().name("regatta-sync").unstarted(this::run);
    }

    public void start() {
        scheduler.start();
    }

    /** Uploads everything now, ignoring the quiet period; returns whether the queue emptied within the timeout. */
    public boolean flush(Duration timeout) throws InterruptedException {
        flushNow = true;
        try {
            long until = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < until) {
                if (idle()) {
                    return true;
                }
                backoff.replaceAll((k, v) -> new Backoff(v.attempts(), 0));
                deleteBackoff = new Backoff(deleteBackoff.attempts(), 0);
                Thread.sleep(50);
            }
            return idle();
        } finally {
            flushNow = false;
        }
    }

    private boolean idle() {
        lock.lock();
        try {
            return store.dirtyQueue().isEmpty() && store.pendingDeletes(1).isEmpty() && inFlight.isEmpty()
                    && deletesInFlight.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            try {
                tick();
                Thread.sleep(flushNow ? 20 : 250);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("sync scheduler iteration failed; retrying", e);
            }
        }
    }

    /** What is not in S3 yet. */
    public record Backlog(long files, long bytes, long oldestAgeMillis, long pendingDeletes) {
    }

    public Backlog backlog() {
        lock.lock();
        try {
            Map<Long, MetadataStore.DirtyMark> queue = store.dirtyQueue();
            long bytes = 0;
            long oldest = Long.MAX_VALUE;
            for (Map.Entry<Long, MetadataStore.DirtyMark> e : queue.entrySet()) {
                Inode inode = store.inode(e.getKey());
                if (inode != null && inode.contentDirty) {
                    bytes += inode.dirtyRanges.totalLength();
                }
                oldest = Math.min(oldest, e.getValue().firstMillis());
            }
            long age = queue.isEmpty() ? 0 : System.currentTimeMillis() - oldest;
            return new Backlog(queue.size(), bytes, age, store.pendingDeletes(Integer.MAX_VALUE).size());
        } finally {
            lock.unlock();
        }
    }

    private void tick() {
        Map<Long, MetadataStore.DirtyMark> queue;
        List<String> deletes;
        Map<Long, List<Long>> parents = new HashMap<>();
        lock.lock();
        try {
            queue = store.dirtyQueue();
            deletes = store.pendingDeletes(1000);
            for (long id : queue.keySet()) {
                Inode inode = store.inode(id);
                if (inode != null) {
                    parents.put(id, inode.links.stream().map(Inode.Link::parentId).toList());
                }
            }
        } finally {
            lock.unlock();
        }
        long now = System.currentTimeMillis();
        for (Map.Entry<Long, MetadataStore.DirtyMark> e : queue.entrySet()) {
            long id = e.getKey();
            MetadataStore.DirtyMark mark = e.getValue();
            boolean due = flushNow || now - mark.lastMillis() >= quietMillis || now - mark.firstMillis() >= deadlineMillis;
            // A directory goes to the bucket before what is in it: its marker (or its move) first, then its entries.
            boolean parentPending = parents.getOrDefault(id, List.of()).stream()
                    .anyMatch(p -> queue.containsKey(p) || inFlight.contains(p));
            if (!due || parentPending || backoff.getOrDefault(id, Backoff.NONE).untilMillis() > now
                    || !inFlight.add(id)) {
                continue;
            }
            workers.execute(() -> {
                uploadPermits.acquireUninterruptibly();
                try {
                    syncInode(id);
                    backoff.remove(id);
                } catch (ObjectStoreException ex) {
                    failures.increment();
                    Backoff b = backoff.getOrDefault(id, Backoff.NONE).next(!ex.retryable() && !ex.preconditionFailed());
                    backoff.put(id, b);
                    log.warn("sync of inode {} failed (attempt {}), retrying in {} s: {}", id, b.attempts(),
                            (b.untilMillis() - System.currentTimeMillis()) / 1000, ex.getMessage());
                } catch (RuntimeException ex) {
                    failures.increment();
                    backoff.put(id, backoff.getOrDefault(id, Backoff.NONE).next(true));
                    log.error("sync of inode {} failed unexpectedly", id, ex);
                } finally {
                    uploadPermits.release();
                    inFlight.remove(id);
                }
            });
        }
        deletes.removeIf(deletesInFlight::contains);
        deferMarkersOverPendingKeys(deletes);
        if (!deletes.isEmpty() && deleteBackoff.untilMillis() <= now) {
            deletesInFlight.addAll(deletes);
            workers.execute(() -> {
                try {
                    deleteBatch(deletes);
                    deleteBackoff = Backoff.NONE;
                } catch (ObjectStoreException ex) {
                    failures.increment();
                    deleteBackoff = deleteBackoff.next(!ex.retryable());
                    log.warn("deleting {} keys from S3 failed, retrying: {}", deletes.size(), ex.getMessage());
                } finally {
                    deletes.forEach(deletesInFlight::remove);
                }
            });
        }
    }

    /**
     * A directory marker is deleted only after every key below it: stores that keep directories on disk (S3Proxy's
     * filesystem back end) cannot remove a marker over a non-empty directory and damage it instead. The keys come
     * sorted, so whatever lies below a marker follows it.
     */
    private void deferMarkersOverPendingKeys(List<String> sortedKeys) {
        List<String> markers = new ArrayList<>();
        for (int i = 0; i < sortedKeys.size(); i++) {
            String key = sortedKeys.get(i);
            if (key.endsWith("/") && i + 1 < sortedKeys.size() && sortedKeys.get(i + 1).startsWith(key)) {
                markers.add(key);
            }
        }
        sortedKeys.removeAll(markers);
    }

    /** The keys an inode should have in the bucket now: one per name, a marker for a directory. */
    private List<String> desiredKeys(Inode inode) {
        List<String> wanted = new ArrayList<>();
        if (inode.id == Namespace.ROOT_ID) {
            return wanted;
        }
        for (String path : namespace.paths(inode)) {
            wanted.add(inode.isDirectory() ? keys.directoryKey(path) : keys.fileKey(path));
        }
        return wanted;
    }

    private void syncInode(long id) throws ObjectStoreException {
        Inode snapshot;
        List<String> wanted;
        lock.lock();
        try {
            snapshot = store.inode(id);
            if (snapshot == null) {
                store.batch().clearDirty(id).commit(false);
                return;
            }
            wanted = desiredKeys(snapshot);
        } finally {
            lock.unlock();
        }
        if (wanted.isEmpty() && id != Namespace.ROOT_ID) {
            // No path right now (its directory is being moved or removed): never read that as "delete it all".
            log.debug("inode {} has no path at the moment; sync postponed", id);
            return;
        }
        Set<String> touched = new LinkedHashSet<>(wanted);
        touched.addAll(snapshot.syncedKeys);
        try (KeyLocks.Held held = keyLocks.lock(touched)) {
            String etag = snapshot.baseEtag;
            Set<String> have = new HashSet<>(snapshot.syncedKeys);
            boolean upload = snapshot.contentDirty || (have.isEmpty() && !wanted.isEmpty());
            Map<String, String> metadata = attributeCodec.encode(new ObjectAttributes(snapshot.type, snapshot.mode,
                    snapshot.uid, snapshot.gid, snapshot.mtimeNanos, snapshot.rdevMajor, snapshot.rdevMinor));
            List<String> done = new ArrayList<>();
            for (String key : wanted) {
                if (snapshot.isDirectory() || snapshot.size == 0 && snapshot.type != FileType.REGULAR) {
                    if (upload || snapshot.attributesDirty || !have.contains(key)) {
                        etag = objects.put(key, emptyFile, 0, 0, metadata);
                        uploads.increment();
                    }
                } else if (upload && done.isEmpty()) {
                    etag = upload(snapshot, key, metadata);
                } else if (upload || !have.contains(key)) {
                    String source = done.isEmpty() ? snapshot.syncedKeys.get(0) : done.get(0);
                    String sourceEtag = done.isEmpty() ? snapshot.baseEtag : etag;
                    String copied = objects.copy(source, sourceEtag, key, metadata);
                    copies.increment();
                    if (done.isEmpty()) {
                        etag = copied;
                    }
                } else if (snapshot.attributesDirty) {
                    String copied = objects.copy(key, etag, key, metadata); // replaces the metadata in place
                    copies.increment();
                    if (done.isEmpty()) {
                        etag = copied;
                    }
                }
                done.add(key);
            }
            record(snapshot, wanted, etag, upload);
        }
    }

    private String upload(Inode snapshot, String key, Map<String, String> metadata) throws ObjectStoreException {
        long size = snapshot.size;
        uploads.increment();
        uploadedBytes.increment(size);
        if (size == 0) {
            return objects.put(key, emptyFile, 0, 0, metadata);
        }
        if (size < multipartThreshold) {
            materialize(snapshot, 0, size);
            return objects.put(key, cache.file(snapshot.id), 0, size, metadata);
        }
        long part = Math.max(partSize, (size + MAX_PARTS - 1) / MAX_PARTS);
        ObjectStore.MultipartUpload mp = objects.startMultipart(key, metadata);
        try {
            int number = 1;
            for (long start = 0; start < size; start += part, number++) {
                long end = Math.min(size, start + part);
                if (canCopy(snapshot, start, end)) {
                    mp.copyPart(number, snapshot.syncedKeys.get(0), snapshot.baseEtag, start, end);
                    continue;
                }
                materialize(snapshot, start, end);
                mp.uploadPart(number, cache.file(snapshot.id), start, end - start);
            }
            return mp.complete();
        } catch (ObjectStoreException | RuntimeException e) {
            mp.abort();
            throw e;
        }
    }

    /** An untouched range of an object already in the bucket is copied there, not sent again. */
    private boolean canCopy(Inode snapshot, long start, long end) {
        return !snapshot.syncedKeys.isEmpty() && snapshot.baseEtag != null && end <= snapshot.baseLength
                && !snapshot.dirtyRanges.overlaps(start, end) && end - start >= MIN_PART;
    }

    private void materialize(Inode snapshot, long start, long end) throws ObjectStoreException {
        try {
            fetcher.fill(snapshot, start, end, snapshot.baseEtag);
        } catch (ObjectStoreException e) {
            if (!e.preconditionFailed()) {
                throw e;
            }
            // The object changed through S3 under our unsynced changes: ours win, theirs fill the gaps.
            log.warn("object of inode {} changed in S3 during sync; keeping local changes over it", snapshot.id);
            fetcher.fill(snapshot, start, end, null);
        }
    }

    /** Records a finished sync; a change made meanwhile keeps the inode queued for another round. */
    private void record(Inode snapshot, List<String> wanted, String etag, boolean uploaded) {
        lock.lock();
        try {
            MetadataStore.Batch batch = store.batch();
            long now = System.currentTimeMillis();
            Inode current = store.inode(snapshot.id);
            if (current == null) {
                // Deleted while we uploaded: what we just wrote must go too.
                wanted.forEach(k -> batch.addPendingDelete(k, now));
                batch.clearDirty(snapshot.id).commit(true);
                return;
            }
            for (String old : current.syncedKeys) {
                if (!wanted.contains(old)) {
                    batch.addPendingDelete(old, now);
                }
            }
            current.syncedKeys = new ArrayList<>(wanted);
            current.syncedAtMillis = now;
            current.baseEtag = etag;
            if (uploaded) {
                current.baseLength = snapshot.size;
            }
            if (current.version == snapshot.version) {
                current.contentDirty = false;
                current.attributesDirty = false;
                current.dirtyRanges.clear();
                batch.clearDirty(current.id);
            }
            batch.putInodeQuietly(current).commit(true);
            log.debug("synced inode {} to {}", current.id, wanted);
        } finally {
            lock.unlock();
        }
    }

    private void deleteBatch(List<String> batchKeys) throws ObjectStoreException {
        try (KeyLocks.Held held = keyLocks.lock(batchKeys)) {
            List<String> toDelete = new ArrayList<>();
            List<String> settled = new ArrayList<>();
            lock.lock();
            try {
                for (String key : batchKeys) {
                    Optional<Inode> owner = owner(key);
                    if (owner.isEmpty()) {
                        toDelete.add(key);
                    } else if (owner.get().syncedKeys.contains(key)) {
                        settled.add(key); // a newer inode has since put its own object at this key
                    }
                    // else: a newer inode will upload here; keep the deletion queued in case it never does
                }
            } finally {
                lock.unlock();
            }
            List<String> failed = toDelete.isEmpty() ? List.of() : objects.deleteAll(toDelete);
            deleted.increment(toDelete.size() - failed.size());
            if (!failed.isEmpty()) {
                log.warn("S3 refused to delete {} keys, e.g. {}; will retry", failed.size(), failed.get(0));
            }
            lock.lock();
            try {
                MetadataStore.Batch batch = store.batch();
                long now = System.currentTimeMillis();
                for (String key : toDelete) {
                    if (!failed.contains(key)) {
                        batch.completeDelete(key, now);
                    }
                }
                settled.forEach(batch::removePendingDelete);
                // Completed deletions are remembered for an hour; no listing stays in flight that long.
                store.completedDeletesBefore(now - 3_600_000L, 1000).forEach(batch::removePendingDelete);
                batch.commit(false);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The live inode a key belongs to now: the file at its path, or the directory for a marker key. */
    private Optional<Inode> owner(String key) {
        Optional<String> relative = keys.relativePath(key);
        if (relative.isEmpty()) {
            return Optional.empty();
        }
        Optional<List<String>> parts = KeyCodec.splitPath(relative.get());
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Inode inode = namespace.resolve(parts.get());
        if (inode == null || inode.isDirectory() != key.endsWith("/")) {
            return Optional.empty();
        }
        return Optional.of(inode);
    }

    @Override
    public void close() {
        running = false;
        scheduler.interrupt();
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
