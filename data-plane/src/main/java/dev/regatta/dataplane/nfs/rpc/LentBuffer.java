package dev.regatta.dataplane.nfs.rpc;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.glassfish.grizzly.memory.ByteBufferWrapper;

/**
 * Bytes lent by a pool (a READ's data), as a part of a reply that gives them back when Grizzly disposes it. Grizzly
 * disposes a reply's parts once its last byte is on the socket, and {@link DirectReplies} keeps it so; the bytes thus
 * join the reply without a copy and are back in their pool only when no write can read them any more. A reply that is
 * never sent whole (its encoding failed, its connection closed first) is never disposed: its bytes are left to the
 * collector, never given back while a write might still read them.
 */
public final class LentBuffer extends ByteBufferWrapper {
    private final Runnable giveBack;
    private final AtomicBoolean given = new AtomicBoolean();

    /** @param giveBack returns the bytes to their pool; run once, at the first dispose */
    public LentBuffer(ByteBuffer bytes, Runnable giveBack) {
        super(bytes);
        this.giveBack = giveBack;
        allowBufferDispose(true);
    }

    @Override
    public void dispose() {
        if (given.compareAndSet(false, true)) {
            super.dispose();
            giveBack.run();
        }
    }
}
