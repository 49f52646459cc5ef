package dev.regatta.dataplane.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Detects sequential reads per file and sizes the window to fetch ahead of them: it doubles while reads stay
 * sequential, up to a limit, and collapses on a random read.
 */
final class ReadAhead {

    private static final long MIN_WINDOW = 1L << 20;
    private static final long MAX_WINDOW = 32L << 20;
    private static final long MIN_PREFETCH = 8L << 20;

    private record Stream(long lastEnd, long window, long claimedUpTo) {
    }

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

    /** Records a read of [offset, end) and returns how far the cache should be filled ahead of it. */
    long next(long fileId, long offset, long end, long size) {
        Stream s = streams.get(fileId);
        boolean sequential = s != null && offset >= s.lastEnd() - (64 << 10) && offset <= s.lastEnd() + (64 << 10);
        long window = sequential ? Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, s.window() * 2)) : 0;
        long claimed = s == null || !sequential ? 0 : s.claimedUpTo();
        streams.put(fileId, new Stream(end, window, claimed));
        if (streams.size() > 10_000) {
            streams.clear(); // forgetting patterns only costs read-ahead, never correctness
        }
        return Math.min(size, end + window);
    }

    /**
     * Claims the prefetch up to {@code to} and returns where it should start: where the previous claim ended, so
     * that two prefetches never fetch the same bytes; -1 when an earlier claim already covers it.
     */
    long claim(long fileId, long from, long to) {
        long[] start = {-1};
        streams.computeIfPresent(fileId, (id, s) -> {
            long begin = Math.max(from, s.claimedUpTo());
            // Fetch ahead in large pieces: one GET of several MiB, not one per client READ.
            if (to - begin >= Math.min(s.window(), MIN_PREFETCH) || begin <= from) {
                if (to > begin) {
                    start[0] = begin;
                    return new Stream(s.lastEnd(), s.window(), to);
                }
            }
            return s;
        });
        return start[0];
    }

    /** Whether a prefetch already claimed bytes up to {@code end} (they may still be on their way). */
    boolean claimed(long fileId, long end) {
        Stream s = streams.get(fileId);
        return s != null && s.claimedUpTo() >= end;
    }
}
