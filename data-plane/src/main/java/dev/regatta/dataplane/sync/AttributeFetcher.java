package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.ObjectAttributes;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Reads the attributes (mode, owner, times) of inodes imported from listings: s3fs keeps them in user metadata, which
 * a listing does not return, so each takes a HEAD. A listing queues its new inodes as its pages arrive, and they are
 * read in the background at a concurrency found by trying ({@link AdaptiveLimit}: more while S3 answers, half on failures), so an {@code ls -l} of a large
 * prefix finds most of them read by the time the listing ends. A READDIRPLUS does not wait for them (it leaves out
 * what is not read yet); a caller that needs attributes now (LOOKUP, GETATTR) joins the HEAD already running for an inode, and starts the missing ones at once, ahead of the
 * queue. Inodes that need none (written here, or read already) cost nothing.
 */
final class AttributeFetcher {

    private static final Logger log = LoggerFactory.getLogger(AttributeFetcher.class);

    private final MetadataStore store;
    private final ObjectStore objects;
    private final AttributeCodec codec;
    private final AdaptiveLimit background;
    private final Semaphore foreground;
    /** Callers' own HEADs (LOOKUP, GETATTR waiting for them) run on virtual threads, as the calls do. */
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /**
     * Background HEADs run on platform threads of their own, as uploads do (see SyncEngine): the S3 client's CPU work
     * for thousands of them on the virtual threads' carriers made the NFS calls queue behind it for a carrier.
     */
    private final ExecutorService backgroundThreads;
    private final Map<Long, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Long> queued = new LinkedBlockingQueue<>();
    private final Thread dispatcher;

    /**
     * @param minConcurrency     background HEADs that may always run at once
     * @param initialConcurrency where the search for the right concurrency starts
     * @param maxConcurrency     at most this many background HEADs (the S3 connection pool is the real ceiling)
     * @param foregroundHeads    HEADs that callers waiting for attributes may run at once, beside the background ones
     */
    AttributeFetcher(MetadataStore store, ObjectStore objects, AttributeCodec codec, int minConcurrency,
                     int initialConcurrency, int maxConcurrency, int foregroundHeads, MeterRegistry metrics) {
        this.store = store;
        this.objects = objects;
        this.codec = codec;
        this.background = new AdaptiveLimit(minConcurrency, initialConcurrency, maxConcurrency);
        this.foreground = new Semaphore(foregroundHeads);
        this.backgroundThreads = Executors.newFixedThreadPool(maxConcurrency,
                Thread.ofPlatform().daemon().name("regatta-head-", 0).factory());
        Gauge.builder("import_head_concurrency", background, AdaptiveLimit::limit)
                .description("background HEADs (attributes of listed objects) allowed at once, as adapted")
                .register(metrics);
        Gauge.builder("import_heads_queued", queued, Collection::size)
                .description("listed objects waiting for a background HEAD").register(metrics);
        this.dispatcher = Thread.ofVirtual().name("attribute-prefetch").start(this::dispatch);
    }

    /** Queues the inodes' HEADs in the background; nobody waits for them. */
    void prefetch(Collection<Long> ids) {
        queued.addAll(ids);
    }

    /** Reads the attributes of those of the inodes that need a HEAD, and waits for them (failures leave defaults). */
    void fetch(Collection<Long> ids) {
        List<Long> pending = store.read(tx -> {
            List<Long> found = new ArrayList<>();
            for (long id : ids) {
                Inode inode = tx.inode(id);
                if (inode != null && inode.needsHead() && !inode.syncedKeys().isEmpty()) {
                    found.add(id);
                }
            }
            return found;
        });
        List<CompletableFuture<Void>> waits = new ArrayList<>(pending.size());
        for (long id : pending) {
            waits.add(start(id, false));
        }
        for (CompletableFuture<Void> w : waits) {
            w.join(); // completes normally: a failed HEAD leaves the defaults and is logged
        }
    }

    private void dispatch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long id = queued.take();
                if (inFlight.containsKey(id)) {
                    continue;
                }
                background.acquire();
                start(id, true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        }
    }

    /**
     * The HEAD of one inode: the one running already, or a new one. A background one holds a permit of the adaptive
     * limit (taken by the dispatcher), a foreground one takes one of its own.
     */
    private CompletableFuture<Void> start(long id, boolean inBackground) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = inFlight.putIfAbsent(id, mine);
        if (running != null) {
            if (inBackground) {
                background.release();
            }
            return running;
        }
        try {
            (inBackground ? backgroundThreads : threads).execute(() -> {
                try {
                    if (!inBackground) {
                        foreground.acquireUninterruptibly();
                    }
                    fetchOne(id, inBackground);
                } catch (RuntimeException e) {
                    log.debug("attribute fetch of inode {} failed: {}", id, e.toString());
                } finally {
                    if (inBackground) {
                        background.release();
                    } else {
                        foreground.release();
                    }
                    inFlight.remove(id, mine);
                    mine.complete(null);
                }
            });
        } catch (RejectedExecutionException closing) {
            if (inBackground) {
                background.release();
            }
            inFlight.remove(id, mine);
            mine.complete(null);
        }
        return mine;
    }

    /** HEADs one inode's object if it still needs it; a background HEAD tells the adaptive limit how it went. */
    private void fetchOne(long id, boolean inBackground) {
        Inode snapshot = store.read(tx -> tx.inode(id));
        if (snapshot == null || !snapshot.needsHead() || snapshot.syncedKeys().isEmpty()) {
            return; // read meanwhile, or gone
        }
        String key = snapshot.syncedKeys().get(0);
        Optional<ObjectStore.ObjectHead> head;
        try {
            head = objects.head(key);
        } catch (ObjectStoreException e) {
            if (inBackground) {
                background.failed();
            }
            // Defaults stand in until S3 answers; the next access tries again.
            log.debug("HEAD {} failed: {}", key, e.getMessage());
            return;
        }
        if (inBackground) {
            background.succeeded();
        }
        store.write(Durability.BUFFERED, tx -> {
            Inode inode = tx.inode(id);
            if (inode == null || !inode.needsHead()) {
                return null;
            }
            if (head.isEmpty()) {
                inode.headMissing();
                tx.putInodeQuietly(inode);
                return null;
            }
            ObjectStore.ObjectHead h = head.get();
            ObjectAttributes a = codec.decode(h.metadata(), inode.isDirectory(), h.lastModifiedMillis());
            inode.headApplied(a.type(), a.mode(), a.uid(), a.gid(), a.mtimeNanos(), a.rdevMajor(), a.rdevMinor());
            tx.putInodeQuietly(inode);
            return null;
        });
    }

    /** Stops the queue and the HEADs in flight, and waits for them: the store closes next. */
    void close() {
        dispatcher.interrupt();
        threads.shutdownNow();
        backgroundThreads.shutdownNow();
        try {
            dispatcher.join(TimeUnit.SECONDS.toMillis(10));
            threads.awaitTermination(10, TimeUnit.SECONDS);
            backgroundThreads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
