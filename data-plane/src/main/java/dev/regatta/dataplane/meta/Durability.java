package dev.regatta.dataplane.meta;

/** When a write transaction's changes must be on disk. */
public enum Durability {
    /** On disk before {@link MetadataStore#write} returns: for anything a client is told is stable. */
    SYNC,
    /**
     * Written, synced by the next durable transaction or COMMIT: UNSTABLE writes, and bookkeeping that can be
     * rebuilt (what is cached, a symlink target read back from its object).
     */
    BUFFERED
}
