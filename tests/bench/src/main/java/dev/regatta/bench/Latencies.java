package dev.regatta.bench;

import java.util.Arrays;

/**
 * Client-side latencies of one phase's operations (e.g. a writer's create + write + close of one file), for systems
 * without server-side histograms and beside the server's: exact percentiles of everything recorded.
 */
final class Latencies {
    private long[] nanos = new long[1024];
    private int count;

    synchronized void add(long n) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = n;
    }

    synchronized int count() {
        return count;
    }

    /** The q-quantile (0 < q <= 1) in seconds by nearest rank (the smallest value with q of them at or under it). */
    synchronized double quantile(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count);
        return sorted[Math.max(rank, 1) - 1] / 1e9;
    }

    /** "p50 1.20ms p99 8.50ms (n = 1234)". */
    String summary() {
        return "p50 " + ServiceTimes.human(quantile(0.5), null) + " p99 " + ServiceTimes.human(quantile(0.99), null)
                + " (n = " + count() + ")";
    }
}
