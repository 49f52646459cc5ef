package dev.regatta.dataplane.meta;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit over RocksDB's write-ahead log: callers ask for their log sequence to be durable and wait; one
 * platform thread syncs the log for all of them, and every caller whose sequence was written before a sync started is
 * released by that sync. The sync runs on its own platform thread because NFS calls run on virtual threads and a sync
 * is a JNI call: made from a virtual thread it would pin one of the few carrier threads for the whole fsync, and the
 * calls queued behind it could not even run their CPU work.
 */
final class WalGroupSync implements DurableLog {

    private final RocksDB db;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition requested = lock.newCondition();
    private final Condition synced = lock.newCondition();
    private final Thread syncer;
    /** The highest sequence a caller waits for. */
    private long wanted;
    /** Everything up to this sequence is on disk. */
    private long durable;
    /** The last sync's failure and the sequence it was meant to cover: its waiters get it. */
    private RocksDBException failure;
    private long failedUpTo;
    private boolean closed;

    WalGroupSync(RocksDB db) {
        this.db = db;
        this.durable = db.getLatestSequenceNumber();
        this.syncer = Thread.ofPlatform().daemon().name("metadata-log-sync").start(this::run);
    }

    @Override
    public void awaitDurable(long position) {
        lock.lock();
        try {
            if (durable >= position) {
                return;
            }
            if (position > wanted) {
                wanted = position;
                requested.signal();
            }
            while (durable < position) {
                if (failure != null && failedUpTo >= position) {
                    throw new MetadataException("cannot sync the metadata log", failure);
                }
                if (closed) {
                    throw new MetadataException("the metadata store is closed", null);
                }
                synced.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (wanted <= durable && !closed) {
                    requested.awaitUninterruptibly();
                }
                if (closed) {
                    synced.signalAll();
                    return;
                }
            } finally {
                lock.unlock();
            }
            // Everything written before this point is covered by the sync below, whoever asked for it.
            long upTo = db.getLatestSequenceNumber();
            RocksDBException failed = null;
            try {
                db.flushWal(true);
            } catch (RocksDBException e) {
                failed = e;
            }
            lock.lock();
            try {
                if (failed == null) {
                    durable = Math.max(durable, upTo);
                } else {
                    failure = failed;
                    failedUpTo = upTo;
                    if (wanted <= failedUpTo) {
                        wanted = durable; // every waiter is answered; a later caller asks again
                    }
                }
                synced.signalAll();
            } finally {
                lock.unlock();
            }
            if (failed != null) {
                pauseAfterFailure();
            }
        }
    }

    /** A failing disk is not asked again at once: the next round's waiters are answered after a short pause. */
    private static void pauseAfterFailure() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the syncer after the sync in progress, if any; the store closes the database after this returns. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            requested.signal();
        } finally {
            lock.unlock();
        }
        try {
            syncer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
