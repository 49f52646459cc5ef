package dev.regatta.dataplane.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptiveLimitTest {

    @Test
    void theLimitGrowsByAboutOnePerRoundOfAnsweredRequestsAndStopsAtItsMaximum() {
        AdaptiveLimit limit = new AdaptiveLimit(2, 8, 12);
        for (int i = 0; i < 9; i++) {
            limit.succeeded(); // + 1/limit each: one round of 8 or 9 requests
        }
        assertThat(limit.limit()).isEqualTo(9);
        for (int i = 0; i < 1000; i++) {
            limit.succeeded();
        }
        assertThat(limit.limit()).isEqualTo(12);
    }

    @Test
    void aFailureHalvesTheLimitButNeverBelowItsMinimum() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 16, 32);
        limit.failed();
        assertThat(limit.limit()).isEqualTo(8);
        limit.failed();
        limit.failed();
        assertThat(limit.limit()).isEqualTo(4);
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
