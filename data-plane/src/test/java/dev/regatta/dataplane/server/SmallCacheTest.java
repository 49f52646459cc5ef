package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A cache far smaller than the data: clean files are evicted, and reading them again fetches them from S3. */
class SmallCacheTest {

    private static final int FILES = 6;
    private static final int FILE_BYTES = 4 << 20;
    private static final long CACHE_BYTES = 8L << 20;

    @TempDir
    Path dir;

    @Test
    void dataLargerThanTheCacheStaysReadable() throws Exception {
        try (LocalS3Endpoint s3 = LocalS3Endpoint.startInMemory(0, "small-key", "small-secret")) {
            s3.createBucket("small");
            DataPlaneConfig config = DataPlaneConfig.defaults(dir.resolve("data"))
                    .withNfs("127.0.0.1", 0, false)
                    .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", s3.accessKey(), s3.secretKey(),
                            "small", "", true))
                    .withTimings(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30))
                    .withCache(Duration.ofHours(1), CACHE_BYTES, 0.9, 0.5);
            try (DataPlane dataPlane = DataPlane.start(config)) {
                Random random = new Random(11);
                byte[][] contents = new byte[FILES][FILE_BYTES];
                for (int i = 0; i < FILES; i++) {
                    random.nextBytes(contents[i]);
                    Path local = dir.resolve("in-" + i);
                    Files.write(local, contents[i]);
                    nfs("nfs-cp", local.toString(), url(dataPlane, "/f" + i));
                }
                assertThat(dataPlane.flush(Duration.ofSeconds(60))).isTrue();
                // Once uploaded, the data is clean: eviction brings the cache under its budget.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (gauge(dataPlane, "cache_resident_bytes") > CACHE_BYTES * 0.9 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(gauge(dataPlane, "cache_resident_bytes")).isLessThanOrEqualTo(CACHE_BYTES * 0.9);
                assertThat(gauge(dataPlane, "cache_evictions_total")).isPositive();

                for (int i = 0; i < FILES; i++) {
                    Path back = dir.resolve("out-" + i);
                    nfs("nfs-cp", url(dataPlane, "/f" + i), back.toString());
                    assertThat(Files.readAllBytes(back)).as("file %d", i).isEqualTo(contents[i]);
                }
                assertThat(gauge(dataPlane, "cache_read_bytes_total{result=\"miss\"}")).isPositive();
            }
        }
    }

    private static String url(DataPlane dataPlane, String path) {
        int port = dataPlane.nfsPort();
        return "nfs://127.0.0.1/fs-demo" + path + "?nfsport=" + port + "&mountport=" + port + "&version=3";
    }

    private static double gauge(DataPlane dataPlane, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(dataPlane.scrapeMetrics());
        assertThat(m.find()).as("metric %s present", name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static void nfs(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
    }
}
