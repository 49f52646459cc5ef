package dev.regatta.dataplane.nfs.rpc;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.memory.ByteBufferArray;
import org.glassfish.grizzly.memory.ByteBufferWrapper;

/**
 * Hands Grizzly each outgoing record in a direct buffer from a pool, so that it writes it as it is.
 *
 * <p>Why: Grizzly writes a heap buffer by copying it into a direct buffer that it caches per thread, but only for its
 * own threads and for thread locals that outlive a call; every call here runs, and writes its reply, on a virtual
 * thread of its own, so each reply allocated and zeroed a new direct buffer of its size, freed later by the
 * collector. In a profile of 1 GiB written and read back through nfs-cp and nfs-cat, that allocation was 18% of the
 * data plane's CPU (and most of the kernel's page-fault time besides). Here the record (reply header, body and record
 * marker, however many buffers oncrpc4j made of them) is copied once into a pooled direct buffer, which Grizzly
 * writes with no further copy and gives back through {@code release()} once the last byte is on the socket.
 *
 * <p>Sizes are pooled in classes (powers of two up to {@value #SMALL_LIMIT} bytes, multiples of it above) up to
 * {@value #LARGEST} bytes, the largest READ reply; a larger record, or one already direct, passes untouched. At most
 * {@value #POOLED_BYTES_LIMIT} bytes wait in the pool; a buffer given back beyond that is left to the collector.
 */
final class DirectReplies extends BaseFilter {
    static final int SMALL_LIMIT = 64 * 1024;
    static final int LARGEST = 2 * 1024 * 1024;
    static final long POOLED_BYTES_LIMIT = 64L * 1024 * 1024;
    private static final int SMALLEST = 4096;
    private static final int SMALL_CLASSES = Integer.numberOfTrailingZeros(SMALL_LIMIT / SMALLEST) + 1;

    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<ByteBuffer>[] free =
            new ConcurrentLinkedQueue[SMALL_CLASSES + LARGEST / SMALL_LIMIT - 1];
    private final AtomicLong pooledBytes = new AtomicLong();

    DirectReplies() {
        for (int i = 0; i < free.length; i++) {
            free[i] = new ConcurrentLinkedQueue<>();
        }
    }

    @Override
    public NextAction handleWrite(FilterChainContext ctx) {
        if (ctx.getMessage() instanceof Buffer record) {
            ctx.setMessage(direct(record));
        }
        return ctx.getInvokeAction();
    }

    /** The record as it will be written: copied into a pooled direct buffer, or itself if it need not be. */
    Buffer direct(Buffer record) {
        if (record.remaining() == 0 || record.remaining() > LARGEST || allDirect(record)) {
            return record;
        }
        ByteBuffer direct = take(record.remaining());
        record.get(direct);
        direct.flip();
        record.tryDispose();
        return new Pooled(direct);
    }

    /** Whether Grizzly can write the record as it is: a composite says direct when only its first part is. */
    private static boolean allDirect(Buffer record) {
        if (!record.isComposite()) {
            return record.isDirect();
        }
        ByteBufferArray parts = record.toByteBufferArray();
        try {
            for (int i = 0; i < parts.size(); i++) {
                if (!parts.getArray()[i].isDirect()) {
                    return false;
                }
            }
            return true;
        } finally {
            parts.restore();
            parts.recycle();
        }
    }

    /** A cleared direct buffer of at least {@code size} bytes, limited to {@code size}. */
    ByteBuffer take(int size) {
        int c = sizeClass(size);
        ByteBuffer b = free[c].poll();
        if (b == null) {
            b = ByteBuffer.allocateDirect(classBytes(c));
        } else {
            pooledBytes.addAndGet(-b.capacity());
        }
        return b.clear().limit(size);
    }

    void give(ByteBuffer b) {
        if (pooledBytes.addAndGet(b.capacity()) > POOLED_BYTES_LIMIT) {
            pooledBytes.addAndGet(-b.capacity());
            return;
        }
        free[sizeClass(b.capacity())].offer(b);
    }

    long pooledBytes() {
        return pooledBytes.get();
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

    /** A pooled buffer that goes back to the pool, once, when Grizzly has written it. */
    private final class Pooled extends ByteBufferWrapper {
        private final ByteBuffer pooled;
        private final AtomicBoolean given = new AtomicBoolean();

        Pooled(ByteBuffer pooled) {
            super(pooled);
            this.pooled = pooled;
            allowBufferDispose(true);
        }

        @Override
        public void dispose() {
            if (given.compareAndSet(false, true)) {
                super.dispose();
                give(pooled);
            }
        }
    }
}
