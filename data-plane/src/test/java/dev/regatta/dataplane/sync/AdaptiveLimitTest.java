package dev.regatta.dataplane.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptiveLimitTest {

    static final long MS = 1_000_000;

    @Test
    void theLimitGrowsByAboutOnePerRoundWhileLatencyStaysFlatAndStopsAtItsMaximum() {
        AdaptiveLimit limit = new AdaptiveLimit(2, 8, 12);
        for (int i = 0; i < 9; i++) {
            limit.sample(15 * MS, false); // + 1/limit each: one round of 8 or 9 requests
        }
        assertThat(limit.limit()).isEqualTo(9);
        for (int i = 0; i < 1000; i++) {
            limit.sample(15 * MS, false);
        }
        assertThat(limit.limit()).isEqualTo(12);
    }

    @Test
    void aFailureHalvesTheLimitButNeverBelowItsMinimum() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 16, 32);
        limit.sample(10 * MS, true);
        assertThat(limit.limit()).isEqualTo(8);
        limit.sample(10 * MS, true);
        limit.sample(10 * MS, true);
        assertThat(limit.limit()).isEqualTo(4);
    }

    @Test
    void latencyWellAboveTheBestSeenShrinksTheLimit() {
        AdaptiveLimit limit = new AdaptiveLimit(2, 16, 32);
        limit.sample(10 * MS, false); // 16 + 1/16
        for (int i = 0; i < 32; i++) {
            limit.sample(100 * MS, false); // the endpoint queues: about one less per round
        }
        assertThat(limit.limit()).isLessThan(16);
    }

    @Test
    void noMoreRequestsStartThanTheLimitAllows() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(1, 1, 4);
        limit.acquire();
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                limit.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (waiting.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // parked in acquire: the only place this thread can wait
        }
        assertThat(waiting.isAlive()).isTrue();
        limit.release();
        waiting.join();
        assertThat(waiting.isAlive()).isFalse();
    }

    @Test
    void boundsOutOfOrderAreRefused() {
        assertThatThrownBy(() -> new AdaptiveLimit(4, 2, 8)).isInstanceOf(IllegalArgumentException.class);
    }
}
