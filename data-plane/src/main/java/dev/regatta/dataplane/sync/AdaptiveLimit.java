package dev.regatta.dataplane.sync;

/**
 * How many background requests may run at once, found by trying (additive increase, multiplicative decrease): the
 * limit grows by about one per round of requests answered, and halves when a request fails (S3 throttles with 503
 * SlowDown, a prefix's request rate has limits). Latency is no signal here: S3's does not grow with concurrency, and
 * a local endpoint that queues requests (its latency grows) still answers more of them at once; backing off on
 * latency made a 20,000-object listing's HEADs run 4 at a time.
 */
final class AdaptiveLimit {

    private final int min;
    private final int max;
    private double limit;
    private int inUse;

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

    /** A request was answered: about one more per round of requests. */
    synchronized void succeeded() {
        limit = Math.min(max, limit + 1 / limit);
    }

    /** A request failed (refused, throttled, unreachable): half as many. */
    synchronized void failed() {
        limit = Math.max(min, limit / 2);
    }

    /** The current limit (whole requests). */
    synchronized int limit() {
        return (int) limit;
    }
}
