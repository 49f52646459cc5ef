package dev.regatta.dataplane.meta;

import org.rocksdb.WriteBatch;

import java.util.List;

/**
 * Where committed transactions become durable, by position: every write transaction is handed to the log right after
 * its batch reached the local database, at a position of the log, and a durable one waits here until the log is safe
 * up to it. Two logs take this place: {@link WalGroupSync} (RocksDB's own write-ahead log on this node's disk, synced
 * for many waiters at once) and {@link ReplicatedLog} (a Raft group's log, safe once a majority of the group's disks
 * hold it). Either way many waiters share one round: one fsync, or one quorum round.
 */
interface DurableLog extends AutoCloseable {

    /**
     * A transaction's batch was just written to the local database, with the changes to file bytes that travel with
     * it (none unless {@link #carriesFiles}); returns its position. Called under the store's write lock, so positions
     * follow commit order; must not wait for the disk or the network.
     */
    long written(WriteBatch batch, List<FileOp> files);

    /**
     * Whether the log carries the bytes clients write ({@link FileOp}) to the other members: a replicated log does,
     * and a durable change of file bytes is then durable with its transaction; this node's own log does not need to.
     */
    boolean carriesFiles();

    /** The position of the last transaction {@link #written}. */
    long lastWritten();

    /** The last entry of the group's log this member has applied, or -1 (a log of one node's own has none). */
    long appliedIndex();

    /** The group's current Raft term as this member knows it, or 0 (a log of one node's own has none). */
    long term();

    /** Whether this member may write now (a replicated log: only its group's leader, once it has caught up). */
    boolean writable();

    /** Tells {@code leadership} when this log starts and stops taking writes, starting with where it is now. */
    void onLeadership(Leadership leadership);

    /** Returns once everything written up to {@code position} is durable; throws {@link MetadataException} if not. */
    void awaitDurable(long position);

    /** Stops the log's work; later waiters get a {@link MetadataException}. */
    @Override
    void close();
}
