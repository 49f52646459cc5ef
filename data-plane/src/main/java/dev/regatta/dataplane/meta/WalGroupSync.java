package dev.regatta.dataplane.meta;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit over RocksDB's write-ahead log: callers ask for their log sequence to be durable and wait; one
 * platform thread syncs the log for all of them, and every caller whose sequence was written before a sync started is
 * released by that sync. The sync runs on its own platform thread because NFS calls run on virtual threads and a sync
 * is a JNI call: made from a virtual thread it would pin one of the few carrier threads for the whole fsync. The
 * callers wait in {@link PositionWaiters}.
 */
final class WalGroupSync implements DurableLog {

    private final RocksDB db;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition requested = lock.newCondition();
    /** Under {@link #lock}. */
    private final PositionWaiters waiters = new PositionWaiters();
    private final Thread syncer;
    /** Everything up to this sequence is on disk. */
    private volatile long durable;
    private boolean closed;

    WalGroupSync(RocksDB db) {
        this.db = db;
        this.durable = db.getLatestSequenceNumber();
        this.syncer = Thread.ofPlatform().daemon().name("metadata-log-sync").start(this::run);
    }

    /** RocksDB's sequence numbers are the positions: the batch is in the log already. */
    @Override
    public long written(WriteBatch batch, List<FileOp> files) {
        return db.getLatestSequenceNumber();
    }

    /** A file's bytes are made durable here by its cache file's sync or a journal record. */
    @Override
    public boolean carriesFiles() {
        return false;
    }

    @Override
    public long lastWritten() {
        return db.getLatestSequenceNumber();
    }

    @Override
    public long term() {
        return 0;
    }

    @Override
    public long appliedIndex() {
        return -1;
    }

    @Override
    public boolean writable() {
        return true;
    }

    /** A node's own log always takes writes. */
    @Override
    public void onLeadership(Leadership leadership) {
        leadership.leading();
    }

    @Override
    public void awaitDurable(long position) {
        if (durable >= position) {
            return;
        }
        CompletableFuture<Void> done;
        lock.lock();
        try {
            if (closed) {
                throw new MetadataException("the metadata store is closed", null);
            }
            done = waiters.add(position);
            requested.signal();
        } finally {
            lock.unlock();
        }
        PositionWaiters.await(done);
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (waiters.isEmpty() && !closed) {
                    requested.awaitUninterruptibly();
                }
                if (closed) {
                    waiters.answerUpTo(Long.MAX_VALUE, new MetadataException("the metadata store is closed", null));
                    return;
                }
            } finally {
                lock.unlock();
            }
            // Everything written before this point is covered by the sync below, whoever asked for it.
            long upTo = db.getLatestSequenceNumber();
            MetadataException failure = null;
            try {
                db.flushWal(true);
                durable = Math.max(durable, upTo);
            } catch (RocksDBException e) {
                failure = new MetadataException("cannot sync the metadata log", e);
            }
            lock.lock();
            try {
                waiters.answerUpTo(upTo, failure);
            } finally {
                lock.unlock();
            }
            if (failure != null) {
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
