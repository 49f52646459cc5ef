package dev.regatta.dataplane.meta;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock over a file system's metadata, with group commit: a durable batch committed while holding it is
 * synced to disk when the lock is released, so callers queued for the lock do not wait behind each other's
 * fsyncs, and one fsync covers every batch written before it. The caller still returns only after its own
 * batch is on disk.
 */
public final class MetadataLock extends ReentrantLock {

    private final MetadataStore store;

    public MetadataLock(MetadataStore store) {
        this.store = store;
        store.deferSyncsUnder(this);
    }

    @Override
    public void unlock() {
        boolean outermost = getHoldCount() == 1;
        super.unlock();
        if (outermost) {
            store.syncDeferred();
        }
    }
}
