package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** A phase's service-time percentiles, from the difference of two scrapes of the data plane's histograms. */
class ServiceTimesTest {

    static final String M = "nfs_requests_seconds";

    /** Prometheus text lines for one procedure: cumulative counts at 50 us, 100 us, 1 ms and +Inf. */
    static String series(String proc, String status, long le50us, long le100us, long le1ms, long all, double sum) {
        String l = "procedure=\"" + proc + "\",status=\"" + status + "\"";
        return M + "_bucket{" + l + ",le=\"5.0E-5\"} " + le50us + "\n"
                + M + "_bucket{" + l + ",le=\"1.0E-4\"} " + le100us + "\n"
                + M + "_bucket{" + l + ",le=\"0.001\"} " + le1ms + "\n"
                + M + "_bucket{" + l + ",le=\"+Inf\"} " + all + "\n"
                + M + "_count{" + l + "} " + all + "\n"
                + M + "_sum{" + l + "} " + sum + "\n";
    }

    static final String HEAD = "# HELP nfs_requests_seconds NFSv3 requests by procedure and status\n"
            + "# TYPE nfs_requests_seconds histogram\n";

    @Test
    void percentilesComeFromTheBucketDeltasInterpolatedInsideTheBucket() {
        ServiceTimes before = ServiceTimes.parse(HEAD + series("read", "ok", 10, 20, 20, 20, 0.001), M);
        // 100 calls in the phase: 50 under 50 us, 48 in (50 us, 100 us], 2 in (100 us, 1 ms]
        ServiceTimes after = ServiceTimes.parse(HEAD + series("read", "ok", 60, 118, 120, 120, 0.0085), M);

        ServiceTimes.Procedure read = after.minus(before).procedures.get("read");

        assertThat(read.count()).isEqualTo(100);
        assertThat(read.mean()).isCloseTo(75e-6, within(1e-12));
        assertThat(read.quantile(0.5)).isCloseTo(50e-6, within(1e-12)); // rank 50: the top of the first bucket
        assertThat(read.quantile(0.25)).isCloseTo(25e-6, within(1e-12)); // rank 25 of 50 in [0, 50 us]
        assertThat(read.quantile(0.74)).isCloseTo(75e-6, within(1e-12)); // rank 74: 24 of 48 into (50, 100 us]
        assertThat(read.quantile(0.99)).isCloseTo(550e-6, within(1e-12)); // rank 99: 1 of 2 into (100 us, 1 ms]
        assertThat(ServiceTimes.human(read.quantile(0.99), read)).isEqualTo("550us");
    }

    @Test
    void aPercentileBeyondTheLastBoundSaysSoRatherThanInventingAValue() {
        ServiceTimes t = ServiceTimes.parse(series("commit", "ok", 0, 0, 1, 2, 3.0), M);
        ServiceTimes.Procedure commit = t.procedures.get("commit");

        assertThat(commit.quantile(0.5)).isCloseTo(1e-3, within(1e-12));
        assertThat(commit.quantile(0.99)).isInfinite();
        assertThat(ServiceTimes.human(commit.quantile(0.99), commit)).isEqualTo(">1.00ms");
        assertThat(ServiceTimes.human(commit.mean(), commit)).isEqualTo("1.50s");
    }

    @Test
    void proceduresWithoutCallsInThePhaseAreLeftOutAndErrorsKeepTheirStatus() {
        String common = series("lookup", "ok", 5, 5, 5, 5, 0.0001);
        ServiceTimes before = ServiceTimes.parse(common + series("write", "NFS3ERR_IO", 0, 0, 1, 1, 0.0005), M);
        ServiceTimes after = ServiceTimes.parse(common + series("write", "NFS3ERR_IO", 0, 0, 4, 4, 0.002)
                + series("create", "ok", 0, 3, 3, 3, 0.0002), M);

        ServiceTimes phase = after.minus(before);

        assertThat(phase.procedures).containsOnlyKeys("create", "write/NFS3ERR_IO");
        assertThat(phase.procedures.get("write/NFS3ERR_IO").count()).isEqualTo(3);
        assertThat(phase.procedures.get("create").quantile(0.5)).isCloseTo(75e-6, within(1e-12));
        assertThat(phase.total()).isEqualTo(6);
    }

    @Test
    void aServerRestartedBetweenTheScrapesCountsFromItsNewStart() {
        ServiceTimes before = ServiceTimes.parse(series("read", "ok", 100, 100, 100, 100, 0.001), M);
        ServiceTimes after = ServiceTimes.parse(series("read", "ok", 4, 8, 10, 10, 0.0005), M);

        ServiceTimes.Procedure read = after.minus(before).procedures.get("read");

        assertThat(read.count()).isEqualTo(10);
        assertThat(read.quantile(0.5)).isCloseTo(62.5e-6, within(1e-12)); // rank 5: 1 of 4 into (50, 100 us]
    }

    @Test
    void theMainProceduresAreTheOkOnesWithATenthOfTheCallsMostFrequentFirst() {
        ServiceTimes t = ServiceTimes.parse(series("read", "ok", 50, 100, 100, 100, 0.001)
                + series("lookup", "ok", 0, 100, 200, 200, 0.001)
                + series("getattr", "ok", 2, 2, 2, 2, 0.00001)
                + series("write", "NFS3ERR_IO", 30, 30, 30, 30, 0.0001), M);

        assertThat(t.dominant(3)).containsExactly("lookup", "read");
        assertThat(t.dominant(1)).containsExactly("lookup");
        assertThat(t.summary(3)).isEqualTo("LOOKUP 100us/982us READ 50us/99us");
    }

    @Test
    void mainProceduresWithAsManyCallsComeInTheOrderAClientSendsThem() {
        ServiceTimes t = ServiceTimes.parse(series("commit", "ok", 0, 0, 10, 10, 0.005)
                + series("write", "ok", 5, 10, 10, 10, 0.0002)
                + series("create", "ok", 0, 5, 10, 10, 0.0008), M);

        assertThat(t.dominant(3)).containsExactly("create", "write", "commit");
        assertThat(t.summary(2)).isEqualTo("CREATE 100us/982us WRITE 50us/99us");
    }

    @Test
    void labelsInAnyOrderAndOtherSeriesInTheScrapeDoNotMatter() {
        String scrape = "# TYPE nfs_requests_seconds_max gauge\n"
                + "nfs_requests_seconds_max{procedure=\"read\",status=\"ok\"} 0.5\n"
                + "mount_requests_seconds_bucket{procedure=\"mnt\",status=\"ok\",le=\"+Inf\"} 7\n"
                + "mount_requests_seconds_count{procedure=\"mnt\",status=\"ok\"} 7\n"
                + "nfs_requests_seconds_bucket{le=\"1.0E-4\",status=\"ok\",procedure=\"read\"} 3\n"
                + "nfs_requests_seconds_bucket{le=\"+Inf\",status=\"ok\",procedure=\"read\"} 4\n"
                + "nfs_requests_seconds_count{status=\"ok\",procedure=\"read\"} 4\n"
                + "nfs_requests_seconds_sum{status=\"ok\",procedure=\"read\"} 0.0002\n"
                + "sync_dirty_files 0.0\n";

        ServiceTimes t = ServiceTimes.parse(scrape, M);

        assertThat(t.procedures).containsOnlyKeys("read");
        assertThat(t.procedures.get("read").quantile(0.5)).isCloseTo(200e-6 / 3, within(1e-12));
        assertThat(t.procedures.get("read").quantile(0.99)).isInfinite();
    }
}
