package dev.regatta.dataplane.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Detects sequential reads per file and sizes the window to fetch ahead of them: it doubles while reads stay
 * sequential, up to a limit, and collapses on a random read, so a random reader never pays for read-ahead.
 */
final class ReadAhead {

    static final long MIN_WINDOW = 1L << 20;
    /**
     * How far ahead of a sequential reader bytes are fetched at most: eight parts in flight
     * ({@link Prefetcher#PART}), enough to keep a reader of a few hundred MiB/s fed from an endpoint that serves
     * one request at a fraction of that, while a reader that stops early leaves at most this much unread.
     */
    static final long MAX_WINDOW = 64L << 20;
    /** How far from where the last read ended a read may start and still count as the next one. */
    private static final long SLACK = 64L << 10;
    /** Forgetting patterns only costs read-ahead, never correctness; this bounds the memory of the map. */
    private static final int MAX_STREAMS = 10_000;

    private record Stream(long lastEnd, long window) {
    }

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

    /** Records a read of [offset, end) and returns how many bytes after {@code end} to fetch ahead; 0 if random. */
    long next(long fileId, long offset, long end) {
        Stream s = streams.get(fileId);
        boolean sequential = s != null && offset >= s.lastEnd() - SLACK && offset <= s.lastEnd() + SLACK;
        long window = sequential ? Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, s.window() * 2)) : 0;
        streams.put(fileId, new Stream(end, window));
        if (streams.size() > MAX_STREAMS) {
            streams.clear();
        }
        return window;
    }
}
