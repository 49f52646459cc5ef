package dev.regatta.dataplane.meta;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a member following its replication group does to its own cache files as it applies the leader's entries: the
 * bytes clients wrote and the cuts they made reach every member through the log, so that whichever member leads
 * next holds every byte not yet in S3. Bytes the leader fetched from S3 do not travel: a member caches what it
 * fetches itself. Implemented above this package (the cache), given to the store when it joins its group.
 */
public interface FollowerFiles {

    /** Writes bytes a client wrote on the leader into this member's cache file of {@code fileId}. */
    void write(long fileId, long offset, ByteBuffer bytes) throws IOException;

    /** Cuts this member's cache file of {@code fileId} to {@code size}, as the leader cut its own. */
    void truncate(long fileId, long size) throws IOException;

    /** The inode is gone, or the leader evicted its bytes (they come from S3 again): its cache file goes too. */
    void delete(long fileId);

    /**
     * Reads bytes of this member's cache file of {@code fileId} into {@code dst} (zeros past its end): what a leader
     * sends a member that copies its store ({@link StoreCopy}).
     */
    void read(long fileId, long offset, ByteBuffer dst) throws IOException;

    /** Syncs every cache file written or cut since the last call: before a snapshot lets the log behind it go. */
    void syncChanged() throws IOException;
}
