package dev.regatta.dataplane.meta;

/**
 * Where committed transactions become durable, by position: every write transaction is written at a position of
 * this log, and a durable one waits here until the log is safe on disk up to it. Today the log is RocksDB's write-ahead
 * log and {@link WalGroupSync} syncs it; the replicated log (Ratis) is meant to take this place, its commit index
 * playing the position's part, and inherit the group commit: many waiters, one sync (one quorum round) for all.
 */
interface DurableLog extends AutoCloseable {

    /** Returns once everything written up to {@code position} is durable; throws {@link MetadataException} if not. */
    void awaitDurable(long position);

    /** Stops the log's work; later waiters get a {@link MetadataException}. */
    @Override
    void close();
}
