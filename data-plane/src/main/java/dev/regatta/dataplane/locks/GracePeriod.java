package dev.regatta.dataplane.locks;

import java.time.Duration;

/**
 * The time after a start during which only reclaims of locks held before are granted. Locks live in memory only:
 * after a restart the clients hold locks the node no longer knows of, and NLM's recovery is that the node tells
 * them it restarted (NSM) and they reclaim their locks within this period, before anyone else may take new ones.
 */
public final class GracePeriod {

    private final long endNanos;
    private volatile boolean over;

    private GracePeriod(long endNanos, boolean over) {
        this.endNanos = endNanos;
        this.over = over;
    }

    /** No grace period: nothing held before can be reclaimed (a first start, or no client ever locked here). */
    public static GracePeriod none() {
        return new GracePeriod(System.nanoTime(), true);
    }

    /** A grace period of {@code length} from now; zero or negative means none. */
    public static GracePeriod startingNow(Duration length) {
        if (length.isZero() || length.isNegative()) {
            return none();
        }
        return new GracePeriod(System.nanoTime() + length.toNanos(), false);
    }

    public boolean active() {
        if (over) {
            return false;
        }
        if (System.nanoTime() - endNanos >= 0) {
            over = true;
            return false;
        }
        return true;
    }

    public Duration remaining() {
        return active() ? Duration.ofNanos(endNanos - System.nanoTime()) : Duration.ZERO;
    }

    /** Ends the grace period now. */
    public void end() {
        over = true;
    }
}
