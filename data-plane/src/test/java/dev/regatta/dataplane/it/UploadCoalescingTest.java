package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ~50 WRITE calls to one file, spaced closer than the quiet period (1 s) but spanning more than it, make exactly one
 * upload; and the metrics the operator watches are there after the traffic.
 */
class UploadCoalescingTest extends OneHarnessPerClass {

    @Test
    void fiftyWritesOneUpload() throws Exception {
        h.flush();
        String before = h.plane().scrapeMetrics();
        double uploads0 = ItHarness.metric(before, "sync_uploads_total");
        double puts0 = ItHarness.metric(before, "s3_requests_total", "type=\"put\"");
        double mpu0 = ItHarness.metric(before, "s3_requests_total", "type=\"multipart_start\"");

        byte[] expected = new byte[50 * 1000];
        new Random(7).nextBytes(expected);
        Nfs3File f = h.create("/coalesced.bin");
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            ItHarness.write(f, i * 1000L, expected, i * 1000, 1000,
                    i % 3 == 0 ? NfsWriteRequest.FILE_SYNC : NfsWriteRequest.UNSTABLE);
            Thread.sleep(30); // 50 x 30 ms > quiet period, every gap < quiet period
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(tookMs).as("writes spread over more than the quiet period").isGreaterThan(1000);
        h.flush();

        String after = h.plane().scrapeMetrics();
        assertThat(ItHarness.metric(after, "sync_uploads_total") - uploads0).as("sync_uploads_total delta")
                .isEqualTo(1);
        double puts = ItHarness.metric(after, "s3_requests_total", "type=\"put\"") - puts0;
        double mpus = ItHarness.metric(after, "s3_requests_total", "type=\"multipart_start\"") - mpu0;
        assertThat(puts + mpus).as("PUT + multipart uploads of the file").isEqualTo(1);
        assertThat(h.objectBytes("coalesced.bin")).isEqualTo(expected);
    }

    @Test
    void metricsAfterTraffic() throws Exception {
        h.mkdir("/m");
        h.writeFile("/m/one.txt", "one".getBytes());
        h.readFile("/m/one.txt");
        h.list("/m");
        h.attrs("/m/one.txt");
        String scrape = h.plane().scrapeMetrics();
        assertThat(scrape).contains("nfs_requests");
        for (String proc : new String[] {"write", "read", "lookup", "create", "mkdir"}) {
            assertThat(ItHarness.metric(scrape, "nfs_requests_seconds_count", "procedure=\"" + proc + "\""))
                    .as("nfs_requests{procedure=%s}", proc).isGreaterThanOrEqualTo(1);
        }
        assertThat(ItHarness.metric(scrape, "cache_reads_total")).as("cache_reads_total").isGreaterThanOrEqualTo(1);
        assertThat(scrape).contains("sync_dirty_files").contains("sync_oldest_unsynced_seconds");
        // the sync gauges are sampled by the sync scheduler (every 250 ms): poll, within the 1 s quiet period
        ItHarness.eventually(java.time.Duration.ofMillis(900), () -> assertThat(
                ItHarness.metric(h.plane().scrapeMetrics(), "sync_dirty_files")).as("dirty files before the upload")
                .isGreaterThanOrEqualTo(1));
        h.flush();
        scrape = h.plane().scrapeMetrics();
        assertThat(ItHarness.metric(scrape, "sync_dirty_files")).as("dirty files after flush").isZero();
        assertThat(ItHarness.metric(scrape, "sync_oldest_unsynced_seconds")).isZero();
        assertThat(ItHarness.metric(scrape, "s3_requests_total")).as("s3_requests_total").isGreaterThanOrEqualTo(1);
    }
}
