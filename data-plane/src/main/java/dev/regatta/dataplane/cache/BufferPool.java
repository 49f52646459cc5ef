package dev.regatta.dataplane.cache;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers lent out and given back, so that the bytes of a READ go from the cache file to the socket without a
 * fresh buffer per call: a new direct buffer costs its zeroing and page faults, and is freed only when the collector
 * finds it (a new heap buffer per READ was 11% of the node's CPU in a cold 1 GiB read, half of it page faults).
 * READ data is read into one ({@link ReadPath}) and written from it as it is; NFS replies copy their small heap
 * parts into one. The node shares one pool ({@link #shared()}), so one bound holds for all idle direct memory.
 *
 * <p>Sizes are pooled in classes (powers of two up to {@value #SMALL_LIMIT} bytes, multiples of it above) up to
 * {@value #LARGEST} bytes (a READ of 1 MiB, the largest, takes a class of exactly 1 MiB); a larger loan is a plain
 * direct buffer that is never pooled. At most {@value #SHARED_LIMIT} bytes wait in the shared pool; a buffer given
 * back beyond its limit is left to the collector.
 *
 * <p>A lent buffer goes back only through its {@link Loan}, once: whoever holds the loan last (the reply, once its
 * last byte is written) releases it. A loan that is never released is simply collected, which is always safe; one
 * released too early is not (the next borrower would overwrite bytes still being sent).
 */
public final class BufferPool {
    public static final int SMALL_LIMIT = 64 * 1024;
    public static final int LARGEST = 2 * 1024 * 1024;
    static final long SHARED_LIMIT = 64L * 1024 * 1024;
    private static final int SMALLEST = 4096;
    private static final int SMALL_CLASSES = Integer.numberOfTrailingZeros(SMALL_LIMIT / SMALLEST) + 1;
    private static final BufferPool SHARED = new BufferPool(SHARED_LIMIT);

    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<ByteBuffer>[] free =
            new ConcurrentLinkedQueue[SMALL_CLASSES + LARGEST / SMALL_LIMIT - 1];
    private final AtomicLong pooledBytes = new AtomicLong();
    private final AtomicLong lentBytes = new AtomicLong();
    private final long limitBytes;

    /** @param limitBytes how many bytes of idle buffers the pool keeps at most */
    public BufferPool(long limitBytes) {
        this.limitBytes = limitBytes;
        for (int i = 0; i < free.length; i++) {
            free[i] = new ConcurrentLinkedQueue<>();
        }
    }

    /** The node's pool: READ data and NFS replies. */
    public static BufferPool shared() {
        return SHARED;
    }

    /**
     * A direct buffer of at least {@code size} bytes, cleared and limited to {@code size}. Its bytes are whatever
     * its last borrower left: the borrower must write every byte it hands on.
     */
    public Loan lend(int size) {
        if (size > LARGEST) {
            return new Loan(ByteBuffer.allocateDirect(size), null);
        }
        int c = sizeClass(size);
        ByteBuffer b = free[c].poll();
        if (b == null) {
            b = ByteBuffer.allocateDirect(classBytes(c));
        } else {
            pooledBytes.addAndGet(-b.capacity());
        }
        b.clear().limit(size);
        lentBytes.addAndGet(b.capacity());
        return new Loan(b, this);
    }

    /** Bytes of idle buffers in the pool. */
    public long pooledBytes() {
        return pooledBytes.get();
    }

    /** Bytes of the pool's buffers lent and not yet released. */
    public long lentBytes() {
        return lentBytes.get();
    }

    private void give(ByteBuffer b) {
        lentBytes.addAndGet(-b.capacity());
        if (pooledBytes.addAndGet(b.capacity()) > limitBytes) {
            pooledBytes.addAndGet(-b.capacity());
            return;
        }
        free[sizeClass(b.capacity())].offer(b);
    }

    static int sizeClass(int size) {
        if (size <= SMALLEST) {
            return 0;
        }
        if (size <= SMALL_LIMIT) {
            return 32 - Integer.numberOfLeadingZeros(size - 1) - Integer.numberOfTrailingZeros(SMALLEST);
        }
        return SMALL_CLASSES - 1 + (size + SMALL_LIMIT - 1) / SMALL_LIMIT - 1;
    }

    static int classBytes(int sizeClass) {
        return sizeClass < SMALL_CLASSES ? SMALLEST << sizeClass
                : (sizeClass - SMALL_CLASSES + 2) * SMALL_LIMIT;
    }

    /**
     * Bytes and who gives them back: a buffer lent by a pool, or bytes of no pool (whose release does nothing). The
     * first {@link #release} gives the buffer back; later ones do nothing, so that two owners that both clean up
     * cannot pool it twice.
     */
    public static final class Loan {
        private final ByteBuffer bytes;
        private final BufferPool pool;
        private final AtomicBoolean released = new AtomicBoolean();

        private Loan(ByteBuffer bytes, BufferPool pool) {
            this.bytes = bytes;
            this.pool = pool;
        }

        /** Bytes that belong to no pool: releasing them leaves them to the collector. */
        public static Loan unpooled(ByteBuffer bytes) {
            return new Loan(bytes, null);
        }

        /** The lent buffer itself (not a copy): its bytes must not be used once the loan is released. */
        public ByteBuffer bytes() {
            return bytes;
        }

        /** Gives the buffer back to its pool, the first time only. */
        public void release() {
            if (released.compareAndSet(false, true) && pool != null) {
                pool.give(bytes);
            }
        }
    }
}
