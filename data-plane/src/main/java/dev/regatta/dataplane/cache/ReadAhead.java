package dev.regatta.dataplane.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Detects sequential reads per file and sizes the window to fetch ahead of them: it doubles while reads stay
 * sequential, up to a limit, and collapses on a random read, so a random reader never pays for more than one
 * window. A read at the start of a file opens a stream (most files are read from their start, and a cold read that
 * waited for a second read before fetching ahead paid two S3 round trips before its window opened). Reads count as
 * sequential around the stream's frontier, the furthest end read so far, not only right after the last one: an NFS
 * client has several READs of one file in flight, and they arrive out of order.
 */
final class ReadAhead {

    static final long MIN_WINDOW = 1L << 20;
    /**
     * How far ahead of a sequential reader bytes are fetched at most: eight parts in flight
     * ({@link Prefetcher#PART}), enough to keep a reader of a few hundred MiB/s fed from an endpoint that serves
     * one request at a fraction of that, while a reader that stops early leaves at most this much unread.
     */
    static final long MAX_WINDOW = 8 * Prefetcher.PART;
    /**
     * How far around the frontier a read may start and still belong to the stream: reads in flight together (a
     * kernel client with 1 MiB reads keeps several outstanding) may arrive this far out of order.
     */
    static final long REORDER = 8L << 20;
    /** How far from where a random reader's last read ended its next read may start and still open a stream. */
    private static final long SLACK = 64L << 10;
    /** Forgetting patterns only costs read-ahead, never correctness; this bounds the memory of the map. */
    private static final int MAX_STREAMS = 10_000;

    /** @param frontier the furthest end read so far */
    private record Stream(long frontier, long window) {
    }

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

    /** Records a read of [offset, end) and returns how many bytes after {@code end} to fetch ahead; 0 if random. */
    long next(long fileId, long offset, long end) {
        Stream s = streams.get(fileId);
        Stream next;
        // Only an open stream takes reads out of order; a random reader continues one only by reading on exactly.
        long slack = s == null ? 0 : s.window() > 0 ? REORDER : SLACK;
        if (s != null && offset >= s.frontier() - slack && offset <= s.frontier() + slack) {
            // Behind the frontier: one of the reads in flight together, which keeps the window as it is.
            long window = offset < s.frontier() ? Math.max(MIN_WINDOW, s.window())
                    : Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, s.window() * 2));
            next = new Stream(Math.max(s.frontier(), end), window);
        } else {
            next = new Stream(end, offset == 0 ? MIN_WINDOW : 0);
        }
        streams.put(fileId, next);
        if (streams.size() > MAX_STREAMS) {
            streams.clear();
        }
        return next.window();
    }
}
