package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.cache.ObjectFetcher;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.ReadTransaction;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LongPathObjectStore;
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
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write-back engine. An inode in the sync queue is uploaded once it has been quiet for the quiet period, or
 * at the latest at the flush deadline after its first unsynced change; however many writes it took, that is one
 * upload. Renames become copies to the new keys; keys no longer wanted go to the deletion queue, which is sent
 * in DeleteObjects batches. Failures back off and retry; nothing leaves the queue until S3 has it.
 *
 * <p>A file whose upload keeps failing is <em>failing</em>: at once when S3 refuses it for good (an error that is
 * not retryable, such as 400 InvalidArgument or 403 AccessDenied), or after {@value #FAILING_AFTER_ATTEMPTS} failed
 * attempts in a row otherwise. It is still retried (every 5 minutes after a refusal, with capped exponential backoff
 * otherwise), since an operator may fix the cause; but it is made visible: the {@code sync_failing_files} gauge,
 * {@code sync_failures_total} by error code, one warning naming the file and the S3 error when it starts failing and
 * one line when it recovers, and the first few failing files in the {@link Backlog} the node reports.
 */
public final class SyncEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
    private static final long MIN_PART = 5L << 20;
    private static final int MAX_PARTS = 10_000;
    /** Failed attempts in a row after which a retryable failure makes a file failing (about 30 s of backoff). */
    static final int FAILING_AFTER_ATTEMPTS = 5;
    /**
     * Clients count as busy this long after their last change: a few scheduler rounds (250 ms), which is how often
     * the engine learns of changes, so that a steady stream of them is not taken for pauses.
     */
    static final long BUSY_WINDOW_MILLIS = 1_000;
    /** Inodes of the sync queue read per read transaction. */
    static final int SCAN_PAGE = 512;
    /** How many failing files a backlog names. */
    static final int FAILING_LISTED = 10;

    private final MetadataStore store;
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
    /**
     * Where an upload's S3 calls run: platform threads of their own, one per upload permit. On virtual threads they
     * shared the few carrier threads with the NFS calls, and a client's call woken from its log sync waited behind the
     * S3 client's CPU work for a carrier (a timing probe while uploads ran: 1–2 ms at the median, 4 ms on average,
     * from its release to running again); on threads of their own they take turns with the carriers in the kernel's
     * scheduler instead.
     */
    private final ExecutorService uploaders;
    private final Semaphore uploadPermits;
    /**
     * While clients are changing the file system, uploads that are due only by their quiet period take one of these
     * as well: each small upload costs the data plane more CPU in the S3 client than the NFS calls that made the file
     * (a JFR profile of 2,000 creates and a 5,000-file untar: 60% of the data plane's samples in the AWS SDK's PUT
     * path, 14% in NFS, fs and metadata together), and on a small node a full set of uploads took the cores the
     * clients' calls were waiting for. The backlog drains at full concurrency once changes pause; an upload due by
     * the flush deadline, or asked for by a flush, never waits here.
     */
    private final int busyConcurrency;
    /** Uploads held back while clients are busy, oldest found first: marked in flight, but holding no thread. */
    private final Queue<HeldBack> heldBack = new ConcurrentLinkedQueue<>();
    /**
     * Held-back uploads running beside the clients. A thread per held-back upload, each polling a permit every 100 ms,
     * burnt a core: with 4,000 of them waiting in a soak of 16 writers, every timed-out poll walked the semaphore's
     * queue of waiters to unlink itself (a JFR profile: 1,000 of the data plane's 2,600 samples in
     * {@code AbstractQueuedSynchronizer.cleanQueue}).
     */
    private final AtomicInteger busyRunning = new AtomicInteger();
    /** Upload attempts started and not ended, held-back ones excluded. */
    private final AtomicInteger uploadsRunning = new AtomicInteger();
    /** The last change a client made, as the sync queue shows it (the newest dirty mark). */
    private volatile long lastChangeMillis;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<Long, Failure> failed = new ConcurrentHashMap<>();
    private final Set<String> deletesInFlight = ConcurrentHashMap.newKeySet();
    private volatile Backoff deleteBackoff = Backoff.NONE;
    private volatile boolean flushNow;
    private volatile boolean running = true;
    private final Thread scheduler;
    private final Counter uploads;
    private final Counter uploadedBytes;
    private final Counter copies;
    private final MeterRegistry metrics;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Counter deleted;
    /**
     * The last backlog scanned, answered again while neither the metadata nor the failures changed: the five gauges of
     * one scrape each scanned the whole queue, under the metadata lock.
     */
    private volatile Scanned lastBacklog;
    /** Moves on with every change of {@link #failed} that a backlog shows. */
    private final AtomicLong failuresVersion = new AtomicLong();

    private record Scanned(Backlog backlog, long oldestFirstMillis, long position, long failuresVersion) {
    }

    private record Backoff(int attempts, long untilMillis) {
        static final Backoff NONE = new Backoff(0, 0);

        Backoff next(boolean permanent) {
            long delay = permanent ? 300_000 : Math.min(60_000, 1_000L << Math.min(attempts, 6));
            return new Backoff(attempts + 1, System.currentTimeMillis() + delay);
        }

        Backoff now() {
            return new Backoff(attempts, 0);
        }
    }

    /** An inode whose last sync failed: when to try again, and what an operator is shown of it. */
    private record Failure(Backoff backoff, String path, String code, String error, long sinceMillis,
                           boolean failing) {

        Failure retryNow() {
            return new Failure(backoff.now(), path, code, error, sinceMillis, failing);
        }
    }

    /**
     * A file whose upload is failing.
     *
     * @param path        its path in the file system (the first, for a file with several links)
     * @param code        S3's error code, or what stands in for it (see {@link ObjectStoreException#code()})
     * @param error       the last failure, as logged: the request, the key and S3's answer
     * @param attempts    failed attempts in a row
     * @param sinceMillis when the first of them failed
     */
    public record FailingFile(String path, String code, String error, int attempts, long sinceMillis) {
    }

    public SyncEngine(MetadataStore store, DataCache cache, ObjectStore objects, KeyCodec keys,
                      AttributeCodec attributeCodec, Path dataDir, Duration quietPeriod, Duration flushDeadline,
                      long multipartThreshold, long partSize, int concurrency, MeterRegistry metrics) {
        this.store = store;
        this.cache = cache;
        // Logical keys from here on: paths of any length, stored native or in the long form (see KeyCodec).
        this.objects = LongPathObjectStore.over(objects, keys, metrics);
        this.fetcher = new ObjectFetcher(store, cache, this.objects);
        this.keys = keys;
        this.attributeCodec = attributeCodec;
        this.quietMillis = quietPeriod.toMillis();
        this.deadlineMillis = flushDeadline.toMillis();
        this.multipartThreshold = Math.max(multipartThreshold, MIN_PART);
        this.partSize = Math.max(partSize, MIN_PART);
        this.uploadPermits = new Semaphore(concurrency);
        this.busyConcurrency = busyConcurrency(concurrency);
        this.uploaders = Executors.newFixedThreadPool(concurrency,
                Thread.ofPlatform().daemon().name("regatta-upload-", 0).factory());
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
        Gauge.builder("sync_uploads_waiting_for_quiet", heldBack, Queue::size)
                .description("due uploads held back while clients are changing files (up to half the flush deadline)")
                .register(metrics);
        Gauge.builder("sync_uploads_running", uploadsRunning, AtomicInteger::get)
                .description("upload attempts under way (those waiting for an upload slot included)")
                .register(metrics);
        this.uploads = Counter.builder("sync_uploads_total").register(metrics);
        this.uploadedBytes = Counter.builder("sync_uploaded_bytes_total").register(metrics);
        this.copies = Counter.builder("sync_copies_total").register(metrics);
        Gauge.builder("sync_failing_files", this, e -> e.backlog().failingFiles())
                .description("files whose upload keeps failing (refused by S3, or " + FAILING_AFTER_ATTEMPTS
                        + " failed attempts in a row)").register(metrics);
        this.metrics = metrics;
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
                failed.replaceAll((k, v) -> v.retryNow());
                deleteBackoff = deleteBackoff.now();
                Thread.sleep(50);
            }
            return idle();
        } finally {
            flushNow = false;
        }
    }

    private boolean idle() {
        return store.read(tx -> tx.dirtyQueue().isEmpty() && tx.pendingDeletes(1).isEmpty()) && inFlight.isEmpty()
                && deletesInFlight.isEmpty();
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

    /**
     * What is not in S3 yet.
     *
     * @param bytes        the changed bytes of the queued files, as their dirty ranges tell (for a file written in
     *                     very many places, the ranges may include unchanged bytes between the changes)
     * @param failingFiles how many of the files are failing
     * @param failing      the first {@value #FAILING_LISTED} of them, longest failing first
     */
    public record Backlog(long files, long bytes, long oldestAgeMillis, long pendingDeletes, int failingFiles,
                          List<FailingFile> failing) {
        /** Nothing waiting. */
        public static final Backlog NONE = new Backlog(0, 0, 0, 0, 0, List.of());
    }

    public Backlog backlog() {
        long position = store.position();
        long version = failuresVersion.get();
        Scanned last = lastBacklog;
        if (last != null && last.position() == position && last.failuresVersion() == version) {
            Backlog b = last.backlog();
            long age = b.files() == 0 ? 0 : System.currentTimeMillis() - last.oldestFirstMillis();
            return new Backlog(b.files(), b.bytes(), age, b.pendingDeletes(), b.failingFiles(), b.failing());
        }
        Scanned scanned = scanBacklog(position, version);
        lastBacklog = scanned;
        return scanned.backlog();
    }

    private Scanned scanBacklog(long position, long version) {
        long[] bytes = {0};
        Map<Long, MetadataStore.DirtyMark> queue = scanQueue((tx, page) -> {
            for (long id : page.keySet()) {
                Inode inode = tx.inode(id);
                if (inode != null && inode.contentDirty()) {
                    bytes[0] += inode.dirtyRanges().totalLength();
                }
            }
        });
        long oldest = queue.values().stream().mapToLong(MetadataStore.DirtyMark::firstMillis).min()
                .orElse(Long.MAX_VALUE);
        long age = queue.isEmpty() ? 0 : System.currentTimeMillis() - oldest;
        int pendingDeletes = store.read(tx -> tx.pendingDeletes(Integer.MAX_VALUE).size());
        // Only what is still queued: a file removed while failing is settled before the next round forgets it.
        List<FailingFile> failing = failed.entrySet().stream()
                .filter(e -> e.getValue().failing() && queue.containsKey(e.getKey())).map(Map.Entry::getValue)
                .map(f -> new FailingFile(f.path(), f.code(), f.error(), f.backoff().attempts(), f.sinceMillis()))
                .sorted(java.util.Comparator.comparingLong(FailingFile::sinceMillis)
                        .thenComparing(FailingFile::path))
                .toList();
        return new Scanned(new Backlog(queue.size(), bytes[0], age, pendingDeletes, failing.size(),
                failing.subList(0, Math.min(FAILING_LISTED, failing.size()))), oldest, position, version);
    }

    /** What a scan of the sync queue does with each page, within the page's read transaction. */
    @FunctionalInterface
    private interface PageVisitor {
        void visit(ReadTransaction tx, Map<Long, MetadataStore.DirtyMark> page);
    }

    /**
     * The whole sync queue, read {@value #SCAN_PAGE} inodes per read transaction: a scan of 5,000 queued files in
     * one transaction held the metadata lock against every writer for as long as it took.
     */
    private Map<Long, MetadataStore.DirtyMark> scanQueue(PageVisitor visitor) {
        Map<Long, MetadataStore.DirtyMark> queue = new HashMap<>();
        long after = -1;
        while (true) {
            long from = after;
            Map<Long, MetadataStore.DirtyMark> page = store.read(tx -> {
                Map<Long, MetadataStore.DirtyMark> p = tx.dirtyQueue(from, SCAN_PAGE);
                visitor.visit(tx, p);
                return p;
            });
            queue.putAll(page);
            if (page.size() < SCAN_PAGE) {
                return queue;
            }
            after = page.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        }
    }

    private void tick() {
        Map<Long, List<Long>> parents = new HashMap<>();
        Map<Long, MetadataStore.DirtyMark> queue = scanQueue((tx, page) -> {
            for (long id : page.keySet()) {
                Inode inode = tx.inode(id);
                if (inode != null) {
                    parents.put(id, inode.links().stream().map(Inode.Link::parentId).toList());
                }
            }
        });
        List<String> deletes = store.read(tx -> tx.pendingDeletes(1000));
        // A file removed (or otherwise settled) while it was failing is no longer anyone's concern.
        if (failed.keySet().removeIf(id -> !queue.containsKey(id) && !inFlight.contains(id))) {
            failuresVersion.incrementAndGet();
        }
        long now = System.currentTimeMillis();
        queue.values().stream().mapToLong(MetadataStore.DirtyMark::lastMillis).max()
                .ifPresent(last -> lastChangeMillis = Math.max(lastChangeMillis, last));
        for (Map.Entry<Long, MetadataStore.DirtyMark> e : queue.entrySet()) {
            long id = e.getKey();
            MetadataStore.DirtyMark mark = e.getValue();
            boolean due = flushNow || now - mark.lastMillis() >= quietMillis || now - mark.firstMillis() >= deadlineMillis;
            // A directory goes to the bucket before what is in it: its marker (or its move) first, then its entries.
            boolean parentPending = parents.getOrDefault(id, List.of()).stream()
                    .anyMatch(p -> queue.containsKey(p) || inFlight.contains(p));
            Failure failure = failed.get(id);
            if (!due || parentPending || failure != null && failure.backoff().untilMillis() > now
                    || !inFlight.add(id)) {
                continue;
            }
            if (giveWay(mark.firstMillis())) {
                heldBack.add(new HeldBack(id, mark.firstMillis()));
            } else {
                startUpload(id, false);
            }
        }
        releaseHeldBack(true);
        deletes.removeIf(deletesInFlight::contains);
        deferMarkersOverPendingKeys(deletes);
        if (!deletes.isEmpty() && deleteBackoff.untilMillis() <= now) {
            deletesInFlight.addAll(deletes);
            workers.execute(() -> {
                try {
                    deleteBatch(deletes);
                    deleteBackoff = Backoff.NONE;
                } catch (ObjectStoreException ex) {
                    failureCounter(ex.code()).increment();
                    deleteBackoff = deleteBackoff.next(!ex.retryable());
                    log.warn("deleting {} keys from S3 failed, retrying: {}", deletes.size(), ex.getMessage());
                } finally {
                    deletes.forEach(deletesInFlight::remove);
                }
            });
        }
    }

    /** An upload {@link #tick} marked in flight and held back while clients are busy. */
    private record HeldBack(long id, long firstChangeMillis) {
    }

    /**
     * Starts what is held back and may go now: all of it once clients pause (or a flush asks, or an upload has waited
     * half the flush deadline), and otherwise the oldest while fewer than {@link #busyConcurrency} run beside the
     * clients. Each tick looks at all of them ({@code everything}); a held-back upload that ends only hands on its
     * slot.
     */
    private void releaseHeldBack(boolean everything) {
        if (everything) {
            for (HeldBack h : heldBack) {
                if (!giveWay(h.firstChangeMillis()) && heldBack.remove(h)) { // remove: whoever takes it starts it
                    startUpload(h.id(), false);
                }
            }
        }
        while (true) {
            int beside = busyRunning.get();
            if (beside >= busyConcurrency) {
                return;
            }
            if (!busyRunning.compareAndSet(beside, beside + 1)) {
                continue;
            }
            HeldBack next = heldBack.poll();
            if (next == null) {
                busyRunning.decrementAndGet();
                if (heldBack.isEmpty()) {
                    return;
                }
                continue; // one was added meanwhile
            }
            startUpload(next.id(), true);
        }
    }

    private void startUpload(long id, boolean besideClients) {
        uploadsRunning.incrementAndGet();
        try {
            workers.execute(() -> syncInFlight(id, besideClients));
        } catch (RejectedExecutionException closing) {
            uploadsRunning.decrementAndGet();
            inFlight.remove(id);
        }
    }

    /**
     * One attempt at an inode {@link #tick} marked in flight; its outcome decides when the next is due. One started
     * beside busy clients holds one of their {@link #busyConcurrency} slots, and hands it on as it ends.
     */
    private void syncInFlight(long id, boolean besideClients) {
        uploadPermits.acquireUninterruptibly();
        try {
            onUploadThread(id);
            succeeded(id);
        } catch (ObjectStoreException ex) {
            failed(id, ex.code(), ex.getMessage(), !ex.retryable() && !ex.preconditionFailed(), null);
        } catch (RuntimeException ex) {
            failed(id, ex.getClass().getSimpleName(), ex.toString(), true, ex);
        } finally {
            uploadPermits.release();
            inFlight.remove(id);
            uploadsRunning.decrementAndGet();
            if (besideClients) {
                busyRunning.decrementAndGet();
                releaseHeldBack(false);
            }
        }
    }

    /** Runs {@link #syncInode} on an upload thread and waits for it; its failure is thrown here as it was there. */
    private void onUploadThread(long id) throws ObjectStoreException {
        Future<?> attempt = uploaders.submit(() -> {
            syncInode(id);
            return null;
        });
        try {
            attempt.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            attempt.cancel(true);
            throw new IllegalStateException("sync of inode " + id + " interrupted", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case ObjectStoreException s3 -> throw s3;
                case RuntimeException unexpected -> throw unexpected;
                case Error error -> throw error;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** The share of uploads that may run while clients are busy: a quarter of them, at least one. */
    static int busyConcurrency(int concurrency) {
        return Math.max(1, concurrency / 4);
    }

    /**
     * Whether an upload should give way: a client changed something within {@value #BUSY_WINDOW_MILLIS} ms, and the
     * change to upload is younger than half the flush deadline, so that an upload held back still has the other half
     * to finish.
     */
    private boolean giveWay(long firstChangeMillis) {
        long now = System.currentTimeMillis();
        return running && !flushNow && now - lastChangeMillis < BUSY_WINDOW_MILLIS
                && now - firstChangeMillis < deadlineMillis / 2;
    }

    private void succeeded(long id) {
        Failure f = failed.remove(id);
        if (f != null) {
            failuresVersion.incrementAndGet();
        }
        if (f != null && f.failing()) {
            log.info("upload of {} (inode {}) succeeded after {} failed attempts", pathOf(id), id,
                    f.backoff().attempts());
        }
    }

    /**
     * Records a failed attempt. The warning is logged once, when the file starts failing; the retries before and
     * after it are debug lines, so that a file refused for good does not fill the log.
     *
     * @param unexpected a bug rather than an S3 answer: its stack trace goes with the warning
     */
    private void failed(long id, String code, String error, boolean permanent, Throwable unexpected) {
        failureCounter(code).increment();
        Failure before = failed.get(id);
        Backoff b = (before == null ? Backoff.NONE : before.backoff()).next(permanent);
        boolean failing = permanent || b.attempts() >= FAILING_AFTER_ATTEMPTS;
        String path = pathOf(id);
        long since = before == null ? System.currentTimeMillis() : before.sinceMillis();
        failed.put(id, new Failure(b, path, code, error, since, failing || before != null && before.failing()));
        failuresVersion.incrementAndGet();
        long retryIn = Math.max(0, b.untilMillis() - System.currentTimeMillis()) / 1000;
        if (failing && (before == null || !before.failing())) {
            log.warn("upload of {} (inode {}) is failing, attempt(s) {}: {}; next retry in {} s, and on until it "
                    + "succeeds or the file is removed", path, id, b.attempts(), error, retryIn, unexpected);
        } else {
            log.debug("sync of {} (inode {}) failed (attempt {}), retrying in {} s: {}", path, id, b.attempts(),
                    retryIn, error);
        }
    }

    private Counter failureCounter(String code) {
        return failures.computeIfAbsent(code, c -> Counter.builder("sync_failures_total")
                .description("failed uploads, copies and delete batches, by S3 error code").tag("code", c)
                .register(metrics));
    }

    /** The path an operator knows the inode by (its first, for a file with several links). */
    private String pathOf(long id) {
        List<String> paths = store.read(tx -> {
            Inode inode = tx.inode(id);
            return inode == null ? List.<String>of() : Namespace.paths(tx, inode);
        });
        return paths.isEmpty() ? "(inode " + id + ", no path)" : "/" + paths.get(0);
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
    private List<String> desiredKeys(ReadTransaction tx, Inode inode) {
        List<String> wanted = new ArrayList<>();
        if (inode.id() == Namespace.ROOT_ID) {
            return wanted;
        }
        for (String path : Namespace.paths(tx, inode)) {
            wanted.add(inode.isDirectory() ? keys.directoryKey(path) : keys.fileKey(path));
        }
        return wanted;
    }

    private void syncInode(long id) throws ObjectStoreException {
        Inode snapshot = store.read(tx -> tx.inode(id));
        if (snapshot == null) {
            store.write(Durability.BUFFERED, tx -> tx.clearDirty(id));
            return;
        }
        List<String> wanted = store.read(tx -> desiredKeys(tx, snapshot));
        if (wanted.isEmpty() && id != Namespace.ROOT_ID) {
            // No path right now (its directory is being moved or removed): never read that as "delete it all".
            log.debug("inode {} has no path at the moment; sync postponed", id);
            return;
        }
        Set<String> touched = new LinkedHashSet<>(wanted);
        touched.addAll(snapshot.syncedKeys());
        try (KeyLocks.Held held = keyLocks.lock(touched)) {
            String etag = snapshot.baseEtag();
            Set<String> have = new HashSet<>(snapshot.syncedKeys());
            boolean upload = snapshot.contentDirty() || (have.isEmpty() && !wanted.isEmpty());
            Map<String, String> metadata = attributeCodec.encode(new ObjectAttributes(snapshot.type(), snapshot.mode(),
                    snapshot.uid(), snapshot.gid(), snapshot.mtimeNanos(), snapshot.rdevMajor(), snapshot.rdevMinor()));
            List<String> done = new ArrayList<>();
            for (String key : wanted) {
                if (snapshot.isDirectory() || snapshot.size() == 0 && snapshot.type() != FileType.REGULAR) {
                    if (upload || snapshot.attributesDirty() || !have.contains(key)) {
                        etag = objects.put(key, emptyFile, 0, 0, metadata);
                        uploads.increment();
                    }
                } else if (upload && done.isEmpty()) {
                    etag = upload(snapshot, key, metadata);
                } else if (upload || !have.contains(key)) {
                    String source = done.isEmpty() ? snapshot.syncedKeys().get(0) : done.get(0);
                    String sourceEtag = done.isEmpty() ? snapshot.baseEtag() : etag;
                    String copied = objects.copy(source, sourceEtag, key, metadata);
                    copies.increment();
                    if (done.isEmpty()) {
                        etag = copied;
                    }
                } else if (snapshot.attributesDirty()) {
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
        long size = snapshot.size();
        uploads.increment();
        uploadedBytes.increment(size);
        if (size == 0) {
            return objects.put(key, emptyFile, 0, 0, metadata);
        }
        if (size < multipartThreshold) {
            materialize(snapshot, 0, size);
            return objects.put(key, cache.file(snapshot.id()), 0, size, metadata);
        }
        long part = Math.max(partSize, (size + MAX_PARTS - 1) / MAX_PARTS);
        ObjectStore.MultipartUpload mp = objects.startMultipart(key, metadata);
        try {
            int number = 1;
            for (long start = 0; start < size; start += part, number++) {
                long end = Math.min(size, start + part);
                if (canCopy(snapshot, start, end)) {
                    mp.copyPart(number, snapshot.syncedKeys().get(0), snapshot.baseEtag(), start, end);
                    continue;
                }
                materialize(snapshot, start, end);
                mp.uploadPart(number, cache.file(snapshot.id()), start, end - start);
            }
            return mp.complete();
        } catch (ObjectStoreException | RuntimeException e) {
            mp.abort();
            throw e;
        }
    }

    /** An untouched range of an object already in the bucket is copied there, not sent again. */
    private boolean canCopy(Inode snapshot, long start, long end) {
        return !snapshot.syncedKeys().isEmpty() && snapshot.baseEtag() != null && end <= snapshot.baseLength()
                && !snapshot.dirtyRanges().overlaps(start, end) && end - start >= MIN_PART;
    }

    private void materialize(Inode snapshot, long start, long end) throws ObjectStoreException {
        try {
            fetcher.fill(snapshot, start, end, snapshot.baseEtag());
        } catch (ObjectStoreException e) {
            if (!e.preconditionFailed()) {
                throw e;
            }
            // The object changed through S3 under our unsynced changes: ours win, theirs fill the gaps.
            log.warn("object of inode {} changed in S3 during sync; keeping local changes over it", snapshot.id());
            fetcher.fill(snapshot, start, end, null);
        }
    }

    /**
     * Records a finished sync; a change made meanwhile keeps the inode queued for another round. The record waits
     * for no log sync of its own (the next durable transaction carries it): lost in a crash, it leaves the inode
     * queued, and the same upload is made again (same key, same content). A log sync per upload kept the syncer busy
     * while clients' durable calls queued behind it. Only the record of a file deleted meanwhile is durable: lost,
     * it would leave the object just uploaded in the bucket with nothing to delete it.
     */
    private void record(Inode snapshot, List<String> wanted, String etag, boolean uploaded) {
        store.write(Durability.BUFFERED, batch -> {
            long now = System.currentTimeMillis();
            Inode current = batch.inode(snapshot.id());
            if (current == null) {
                // Deleted while we uploaded: what we just wrote must go too.
                batch.requireSync();
                wanted.forEach(k -> batch.addPendingDelete(k, now));
                batch.clearDirty(snapshot.id());
                return null;
            }
            for (String old : current.syncedKeys()) {
                if (!wanted.contains(old)) {
                    batch.addPendingDelete(old, now);
                }
            }
            if (current.recordSync(snapshot, wanted, etag, uploaded, now)) {
                batch.clearDirty(current.id());
            }
            batch.putInodeQuietly(current);
            log.debug("synced inode {} to {}", current.id(), wanted);
            return null;
        });
    }

    private void deleteBatch(List<String> batchKeys) throws ObjectStoreException {
        try (KeyLocks.Held held = keyLocks.lock(batchKeys)) {
            List<String> toDelete = new ArrayList<>();
            List<String> settled = new ArrayList<>();
            store.read(tx -> {
                for (String key : batchKeys) {
                    Optional<Inode> owner = owner(tx, key);
                    if (owner.isEmpty()) {
                        toDelete.add(key);
                    } else if (owner.get().syncedKeys().contains(key)) {
                        settled.add(key); // a newer inode has since put its own object at this key
                    }
                    // else: a newer inode will upload here; keep the deletion queued in case it never does
                }
                return null;
            });
            List<String> failed = toDelete.isEmpty() ? List.of() : objects.deleteAll(toDelete);
            deleted.increment(toDelete.size() - failed.size());
            if (!failed.isEmpty()) {
                log.warn("S3 refused to delete {} keys, e.g. {}; will retry", failed.size(), failed.get(0));
            }
            store.write(Durability.BUFFERED, batch -> {
                long now = System.currentTimeMillis();
                for (String key : toDelete) {
                    if (!failed.contains(key)) {
                        batch.completeDelete(key, now);
                    }
                }
                settled.forEach(batch::removePendingDelete);
                // Completed deletions are remembered for an hour; no listing stays in flight that long.
                batch.completedDeletesBefore(now - 3_600_000L, 1000).forEach(batch::removePendingDelete);
                return null;
            });
        }
    }

    /** The live inode a key belongs to now: the file at its path, or the directory for a marker key. */
    private Optional<Inode> owner(ReadTransaction tx, String key) {
        Optional<String> relative = keys.relativePath(key);
        if (relative.isEmpty()) {
            return Optional.empty();
        }
        Optional<List<String>> parts = KeyCodec.splitPath(relative.get());
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Inode inode = Namespace.resolve(tx, parts.get());
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
        uploaders.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
            uploaders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
