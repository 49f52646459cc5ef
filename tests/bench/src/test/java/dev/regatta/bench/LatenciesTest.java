package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Client-side percentiles of a phase's operations, by nearest rank over everything recorded. */
class LatenciesTest {

    @Test
    void percentilesAreTheNearestRankOfTheRecordedTimes() {
        Latencies l = new Latencies();
        for (int i = 100; i >= 1; i--) { // out of order, and more than the first array holds after growth below
            l.add(i * 1_000_000L);
        }
        for (int i = 0; i < 2000; i++) {
            l.add(1_000_000L);
        }

        assertThat(l.count()).isEqualTo(2100);
        assertThat(l.quantile(0.5)).isEqualTo(0.001); // 2001 calls at 1 ms: the median is among them
        assertThat(l.quantile(0.99)).isEqualTo(0.079); // rank 2079: 2001 at 1 ms, then 2 ms, 3 ms, ...: the 78th is 79 ms
        assertThat(l.quantile(1.0)).isEqualTo(0.100);
    }

    @Test
    void withNothingRecordedThereIsNoPercentile() {
        Latencies l = new Latencies();

        assertThat(l.quantile(0.99)).isNaN();
        assertThat(l.summary()).isEqualTo("p50 - p99 - (n = 0)");
    }

    @Test
    void theSummaryIsReadable() {
        Latencies l = new Latencies();
        l.add(850_000L);
        l.add(12_500_000L);

        assertThat(l.summary()).isEqualTo("p50 850us p99 12.5ms (n = 2)");
    }
}
