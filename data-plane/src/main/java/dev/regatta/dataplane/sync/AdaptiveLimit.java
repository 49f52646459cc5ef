package dev.regatta.dataplane.sync;

/**
 * How many background requests may run at once, found by trying (additive increase, multiplicative decrease): the
 * limit grows by about one per round of requests while their latency stays near the best seen lately, shrinks by
 * about one per round once latency climbs (the endpoint is queueing them), and halves when a request fails (S3
 * throttles with 503 SlowDown). A fixed limit is either too low for a fast endpoint or too high for a slow one.
 */
final class AdaptiveLimit {

    private final int min;
    private final int max;
    private double limit;
    private int inUse;
    /** A floor under recent latencies: takes any lower one at once and drifts up slowly towards higher ones. */
    private double bestNanos = Double.MAX_VALUE;

    AdaptiveLimit(int min, int initial, int max) {
        if (min < 1 || initial < min || max < initial) {
            throw new IllegalArgumentException("need 1 <= min <= initial <= max: " + min + ", " + initial + ", " + max);
        }
        this.min = min;
        this.max = max;
        this.limit = initial;
    }

    /** Waits until one more request may start. */
    synchronized void acquire() throws InterruptedException {
        while (inUse >= (int) limit) {
            wait();
        }
        inUse++;
    }

    /** Frees the place of a request that ended. */
    synchronized void release() {
        inUse--;
        notifyAll();
    }

    /** What one request told: S3 answered after {@code latencyNanos}, or {@code failed} (refused, unreachable). */
    synchronized void sample(long latencyNanos, boolean failed) {
        if (failed) {
            limit = Math.max(min, limit / 2);
        } else {
            bestNanos = latencyNanos < bestNanos ? latencyNanos : bestNanos + (latencyNanos - bestNanos) / 100;
            if (latencyNanos <= 2 * bestNanos) {
                limit = Math.min(max, limit + 1 / limit);
            } else {
                limit = Math.max(min, limit - 1 / limit);
            }
        }
        notifyAll();
    }

    /** The current limit (whole requests). */
    synchronized int limit() {
        return (int) limit;
    }
}
