package dev.regatta.dataplane.nfs.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A program's timer as the metrics endpoint shows it: the bench reads service-time percentiles per procedure from
 * its {@code _bucket} series, so they must be there, cumulative, and split at the goals' thresholds.
 */
class RpcProgramTest {

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final RpcProgram program = RpcProgram.builder("NFS", "nfs_requests", "NFSv3 requests", registry).build();

    /** The cumulative count of a getattr/ok bucket line in the scrape, or -1 when there is none. */
    static long bucket(String scrape, String le) {
        Matcher m = Pattern.compile("(?m)^nfs_requests_seconds_bucket\\{([^}]*)} (\\S+)$").matcher(scrape);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("procedure=\"getattr\"") && labels.contains("status=\"ok\"")
                    && labels.contains("le=\"" + le + "\"")) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    @Test
    void aProcedureTimerPublishesCumulativeBucketsSplitAtTheGoalThresholds() {
        Timer getattr = program.timer("getattr", "ok");
        for (long micros : new long[] {15, 50, 90, 150, 700, 3000, 40_000}) {
            getattr.record(Duration.ofNanos(micros * 1000));
        }

        String scrape = registry.scrape();

        assertThat(bucket(scrape, "1.0E-5")).isEqualTo(0);
        assertThat(bucket(scrape, "1.0E-4")).isEqualTo(3);
        assertThat(bucket(scrape, "2.0E-4")).isEqualTo(4);
        assertThat(bucket(scrape, "0.001")).isEqualTo(5);
        assertThat(bucket(scrape, "0.1")).isEqualTo(7);
        assertThat(bucket(scrape, "+Inf")).isEqualTo(7);
        // the names and labels others read are unchanged
        assertThat(scrape).contains("nfs_requests_seconds_count{procedure=\"getattr\",status=\"ok\"} 7");
        assertThat(scrape.lines().filter(l -> l.startsWith("nfs_requests_seconds_bucket{")).count())
                .isEqualTo(RpcProgram.SERVICE_TIME_BUCKETS.length + 1);
    }

    @Test
    void theBucketsRunFromTenMicrosecondsToTenSecondsInStepsOfAtMostAThird() {
        Duration[] b = RpcProgram.SERVICE_TIME_BUCKETS;

        assertThat(b[0]).isEqualTo(Duration.ofNanos(10_000));
        assertThat(b[b.length - 1]).isEqualTo(Duration.ofSeconds(10));
        assertThat(b).contains(Duration.ofNanos(20_000), Duration.ofNanos(100_000), Duration.ofNanos(200_000),
                Duration.ofMillis(1), Duration.ofMillis(100));
        for (int i = 1; i < b.length; i++) {
            double ratio = (double) b[i].toNanos() / b[i - 1].toNanos();
            assertThat(ratio).as("bound %s after %s", b[i], b[i - 1]).isGreaterThan(1);
            if (b[i].compareTo(Duration.ofMillis(100)) <= 0) {
                assertThat(ratio).as("bound %s after %s", b[i], b[i - 1]).isLessThanOrEqualTo(4.0 / 3 + 1e-9);
            }
        }
        assertThat(Arrays.stream(b).distinct().count()).isEqualTo(b.length);
    }
}
