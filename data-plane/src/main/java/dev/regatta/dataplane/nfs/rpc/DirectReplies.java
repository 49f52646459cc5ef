package dev.regatta.dataplane.nfs.rpc;

import dev.regatta.dataplane.cache.BufferPool;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.memory.BuffersBuffer;
import org.glassfish.grizzly.memory.ByteBufferArray;
import org.glassfish.grizzly.memory.ByteBufferWrapper;
import org.glassfish.grizzly.memory.MemoryManager;

/**
 * Hands Grizzly each outgoing record in direct buffers only, so that it writes them as they are.
 *
 * <p>Why: Grizzly writes a heap buffer, or the heap parts of a composite, by copying them into a direct buffer that it
 * caches per thread, but only for its own threads and for thread locals that outlive a call; every call here runs,
 * and writes its reply, on a virtual thread of its own, so each reply allocated and zeroed a new direct buffer of its
 * size, freed later by the collector. In a profile of 1 GiB written and read back through nfs-cp and nfs-cat, that
 * allocation was 18% of the data plane's CPU (and most of the kernel's page-fault time besides).
 *
 * <p>Here the heap parts of a record (reply header, attributes, record marker, XDR padding: however many buffers
 * oncrpc4j made of them) are copied, in one piece, into a buffer from the node's {@link BufferPool}, and its direct
 * parts (a READ's data, read straight from the cache file into a pooled buffer) are left where they are: Grizzly
 * writes the parts in order with one gathering write. The record itself is disposed only when Grizzly disposes what
 * it was given, after the last byte is on the socket: disposing it gives back its parts (a READ's data through its
 * {@link LentBuffer}), and no part may go back to a pool while a write can still read it. A record with no heap part,
 * or with more than {@value BufferPool#LARGEST} bytes of them, passes untouched.
 */
final class DirectReplies extends BaseFilter {
    private final BufferPool pool;

    DirectReplies() {
        this(BufferPool.shared());
    }

    DirectReplies(BufferPool pool) {
        this.pool = pool;
    }

    @Override
    public NextAction handleWrite(FilterChainContext ctx) {
        if (ctx.getMessage() instanceof Buffer record) {
            ctx.setMessage(direct(record));
        }
        return ctx.getInvokeAction();
    }

    /**
     * The record as it will be written: its heap parts copied into a pooled direct buffer and its direct parts as
     * they are, in their order; or the record itself if it need not change.
     */
    Buffer direct(Buffer record) {
        if (!record.hasRemaining() || !record.isComposite() && record.isDirect()) {
            return record;
        }
        ByteBufferArray parts = record.toByteBufferArray();
        try {
            ByteBuffer[] array = parts.getArray();
            int n = parts.size();
            int heapBytes = 0;
            boolean anyDirect = false;
            for (int i = 0; i < n; i++) {
                if (array[i].isDirect()) {
                    anyDirect |= array[i].hasRemaining();
                } else {
                    heapBytes += array[i].remaining();
                }
            }
            if (heapBytes == 0 || heapBytes > BufferPool.LARGEST) {
                return record;
            }
            BufferPool.Loan loan = pool.lend(heapBytes);
            ByteBuffer copy = loan.bytes();
            if (!anyDirect) {
                for (int i = 0; i < n; i++) {
                    copy.put(array[i]);
                }
                return new Written(copy.flip(), loan, record);
            }
            // Views of the copy's pieces and of the direct parts: they own nothing, the first one owns it all.
            BuffersBuffer out = BuffersBuffer.create(MemoryManager.DEFAULT_MEMORY_MANAGER);
            out.allowBufferDispose(true);
            int pieceStart = 0;
            for (int i = 0; i < n; i++) {
                ByteBuffer part = array[i];
                if (!part.hasRemaining()) {
                    continue;
                }
                if (part.isDirect()) {
                    if (copy.position() > pieceStart) {
                        append(out, copy.slice(pieceStart, copy.position() - pieceStart), loan, record);
                        pieceStart = copy.position();
                    }
                    append(out, part.slice(), loan, record);
                } else {
                    copy.put(part);
                }
            }
            if (copy.position() > pieceStart) {
                append(out, copy.slice(pieceStart, copy.position() - pieceStart), loan, record);
            }
            return out;
        } finally {
            // Before anything is disposed: the parts' buffers may go back to pools that hand them to other threads.
            parts.restore();
            parts.recycle();
        }
    }

    private static void append(BuffersBuffer out, ByteBuffer piece, BufferPool.Loan loan, Buffer record) {
        out.append(out.capacity() == 0 ? new Written(piece, loan, record) : new ByteBufferWrapper(piece));
    }

    /**
     * The first part of what Grizzly writes, which owns the rest: disposed with it, once the last byte is on the
     * socket, it gives the copy's buffer back to the pool and disposes the record it came from; once.
     */
    private static final class Written extends ByteBufferWrapper {
        private final BufferPool.Loan copy;
        private final Buffer record;
        private final AtomicBoolean disposed = new AtomicBoolean();

        Written(ByteBuffer piece, BufferPool.Loan copy, Buffer record) {
            super(piece);
            this.copy = copy;
            this.record = record;
            allowBufferDispose(true);
        }

        @Override
        public void dispose() {
            if (disposed.compareAndSet(false, true)) {
                super.dispose();
                copy.release();
                record.tryDispose();
            }
        }
    }
}
