package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.RangeSet;
import dev.regatta.dataplane.model.FsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Brings missing bytes of files into the cache in parts, each one ranged GET on its own thread, so that several are
 * in flight for a sequential reader and each reader waits only until the bytes it asked for have landed (parts are
 * stored slice by slice as they arrive). It remembers the parts in flight, so no byte is asked for twice while on
 * its way, and it fetches ahead only within the window {@link ReadAhead} grants, so a reader never has more than
 * that in flight beyond where it reads.
 */
final class Prefetcher {

    private static final Logger log = LoggerFactory.getLogger(Prefetcher.class);

    /**
     * The largest part: one GET. Each GET costs CPU on both ends beyond its bytes (the SDK's request pipeline and
     * signing here, the request's set-up at the endpoint), and on a small node a cold read is bound by CPU: with
     * 8 MiB parts a 1 GiB read took 131 GETs and about a tenth more CPU here and at the endpoint than with 16 MiB
     * parts (67 GETs); 4 MiB parts were slower again. Small enough that {@link ReadAhead#MAX_WINDOW} holds eight in
     * flight, and a reader waits only for its own slice of a part, not for the whole part.
     */
    static final long PART = 16L << 20;
    /**
     * Parts fetched ahead of readers, in flight at once over all files: they share the S3 client's connections with
     * uploads and with readers' own misses (which are never held back).
     */
    static final int AHEAD_LIMIT = 16;
    /** A reader waits this long for a part that makes no progress before it fetches the bytes itself. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** How a part is fetched: {@code fill} stores [start, end) in the cache, telling {@code progress} as it goes. */
    @FunctionalInterface
    interface Filler {
        void fill(Inode snapshot, long start, long end, ObjectFetcher.Progress progress) throws FsException;
    }

    /** One range on its way; parts of a file never overlap. */
    private static final class Part {
        final long fileId;
        final long start;
        final long end;
        final boolean ahead;
        /** Everything in [start, reached) has been handled; guarded by the prefetcher's lock. */
        long reached;

        Part(long fileId, long start, long end, boolean ahead) {
            this.fileId = fileId;
            this.start = start;
            this.end = end;
            this.ahead = ahead;
            this.reached = start;
        }
    }

    private final MetadataStore store;
    private final Filler filler;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    /** Parts in flight per file, by start; guarded by {@link #lock}. */
    private final Map<Long, TreeMap<Long, Part>> inFlight = new HashMap<>();
    private int aheadInFlight;

    Prefetcher(MetadataStore store, Filler filler) {
        this.store = store;
        this.filler = filler;
    }

    /**
     * Starts fetching what a read of [offset, end) needs and is neither cached nor on its way, and, when
     * {@code window > 0}, the parts that fit within {@code window} bytes after {@code end}.
     */
    void fetch(long fileId, long offset, long end, long window) {
        lock.lock();
        try {
            // Read under the lock: a part that ends meanwhile is then either still in flight or already present.
            Inode inode = store.read(tx -> tx.inode(fileId));
            if (inode == null) {
                return;
            }
            long size = Math.min(inode.size(), inode.baseLength());
            long fillTo = Math.min(size, end + window);
            long partLength = window == 0 ? PART : Math.min(PART, Math.max(ReadAhead.MIN_WINDOW, window));
            long scanEnd = Math.min(size, Math.max(end, fillTo) + partLength);
            TreeMap<Long, Part> parts = inFlight.computeIfAbsent(fileId, id -> new TreeMap<>());
            for (RangeSet.Range gap : notOnTheirWay(inode.present().gaps(offset, scanEnd), parts)) {
                long pos = gap.start();
                while (pos < gap.end()) {
                    long partEnd = Math.min(gap.end(), pos + partLength);
                    boolean needed = pos < end;
                    if (partEnd > fillTo) {
                        if (!needed) {
                            break; // the window has not reached this part yet
                        }
                        partEnd = Math.min(gap.end(), Math.max(end, fillTo));
                    }
                    if (!needed && aheadInFlight >= AHEAD_LIMIT) {
                        break;
                    }
                    if (!launch(inode, new Part(fileId, pos, partEnd, !needed), parts)) {
                        break;
                    }
                    pos = partEnd;
                }
            }
            if (parts.isEmpty()) {
                inFlight.remove(fileId);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits while parts in flight bring bytes of [offset, end): until they have landed, their parts ended (landed
     * or failed), or no progress came for a while. The caller then looks at the cache for what is still missing.
     */
    void await(long fileId, long offset, long end) {
        lock.lock();
        try {
            long seen = -1;
            long deadline = 0;
            while (true) {
                long reachedSum = 0;
                boolean waiting = false;
                for (Part p : overlapping(fileId, offset, end)) {
                    reachedSum += p.reached;
                    waiting |= p.reached < Math.min(end, p.end);
                }
                if (!waiting) {
                    return;
                }
                long now = System.nanoTime();
                if (reachedSum != seen) {
                    seen = reachedSum;
                    deadline = now + STALL_NANOS;
                } else if (now - deadline >= 0) {
                    log.debug("read of inode {} at {} stopped waiting for a stalled part", fileId, offset);
                    return;
                }
                progress.awaitNanos(deadline - now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Stops fetching and waits for the parts in flight: the store and cache close next. */
    void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean launch(Inode snapshot, Part part, TreeMap<Long, Part> parts) {
        // Registered before it starts (the caller holds the lock its end needs), so none is missed by a waiter.
        parts.put(part.start, part);
        if (part.ahead) {
            aheadInFlight++;
        }
        try {
            executor.execute(() -> run(snapshot, part));
            return true;
        } catch (RejectedExecutionException closing) {
            parts.remove(part.start);
            if (part.ahead) {
                aheadInFlight--;
            }
            return false;
        }
    }

    private void run(Inode snapshot, Part part) {
        try {
            filler.fill(snapshot, part.start, part.end, upTo -> reached(part, upTo));
        } catch (FsException | RuntimeException e) {
            // The reader waiting for these bytes fetches them itself, where a failure reaches its client.
            log.debug("fetch of inode {} [{}, {}) stopped: {}", part.fileId, part.start, part.end, e.toString());
        } finally {
            finished(part);
        }
    }

    private void reached(Part part, long upTo) {
        lock.lock();
        try {
            part.reached = Math.max(part.reached, Math.min(upTo, part.end));
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void finished(Part part) {
        lock.lock();
        try {
            TreeMap<Long, Part> parts = inFlight.get(part.fileId);
            if (parts != null && parts.remove(part.start, part) && parts.isEmpty()) {
                inFlight.remove(part.fileId);
            }
            if (part.ahead) {
                aheadInFlight--;
            }
            part.reached = part.end;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The parts of a file in flight that overlap [start, end); the caller holds the lock. */
    private List<Part> overlapping(long fileId, long start, long end) {
        TreeMap<Long, Part> parts = inFlight.get(fileId);
        if (parts == null) {
            return List.of();
        }
        List<Part> found = new ArrayList<>();
        Map.Entry<Long, Part> before = parts.lowerEntry(start);
        if (before != null && before.getValue().end > start) {
            found.add(before.getValue());
        }
        found.addAll(parts.subMap(start, true, end, false).values());
        return found;
    }

    /** {@code gaps} (in order, disjoint) without the ranges of parts in flight. */
    private static List<RangeSet.Range> notOnTheirWay(List<RangeSet.Range> gaps, NavigableMap<Long, Part> parts) {
        if (parts.isEmpty()) {
            return gaps;
        }
        List<RangeSet.Range> left = new ArrayList<>();
        for (RangeSet.Range gap : gaps) {
            long pos = gap.start();
            Map.Entry<Long, Part> before = parts.lowerEntry(pos);
            if (before != null && before.getValue().end > pos) {
                pos = before.getValue().end;
            }
            for (Part p : parts.subMap(pos, true, gap.end(), false).values()) {
                if (p.start > pos) {
                    left.add(new RangeSet.Range(pos, p.start));
                }
                pos = Math.max(pos, p.end);
            }
            if (pos < gap.end()) {
                left.add(new RangeSet.Range(pos, gap.end()));
            }
        }
        return left;
    }
}
