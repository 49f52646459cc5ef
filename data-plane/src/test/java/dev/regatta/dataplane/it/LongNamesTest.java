package dev.regatta.dataplane.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files with 255-byte names, written over NFS, reach the embedded default's on-disk bucket (S3Proxy over a
 * directory), the write-back queue empties, and a rename of one is a copy to another 255-byte key.
 */
class LongNamesTest extends OneHarnessPerClass {

    @Override
    ItHarness harness() {
        return ItHarness.onDisk(tmp.resolve("s3"), c -> c);
    }

    @Test
    void filesWith255ByteNamesAtSeveralDepthsReachTheBucketAndTheQueueEmpties() throws Exception {
        String name = "é".repeat(127) + "n"; // 255 bytes of UTF-8
        assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(255);
        h.writeFile("/" + name, "depth 1".getBytes(StandardCharsets.UTF_8));
        StringBuilder dir = new StringBuilder();
        for (int depth = 2; depth <= 5; depth++) {
            dir.append("/d").append(depth);
            h.mkdir(dir.toString());
        }
        h.writeFile(dir + "/" + name, "depth 5".getBytes(StandardCharsets.UTF_8));
        h.flush();

        assertThat(ItHarness.metric(h.plane().scrapeMetrics(), "sync_dirty_files")).isZero();
        assertThat(ItHarness.metric(h.plane().scrapeMetrics(), "sync_failing_files")).isZero();
        assertThat(new String(h.objectBytes(name), StandardCharsets.UTF_8)).isEqualTo("depth 1");
        String deep = dir.substring(1) + "/" + name;
        assertThat(new String(h.objectBytes(deep), StandardCharsets.UTF_8)).isEqualTo("depth 5");
        assertThat(h.head(deep).metadata()).as("the file's attributes travel with it").containsKey("mode");

        String renamed = "r".repeat(255);
        h.file(dir + "/" + name).rename(h.file(dir + "/" + renamed));
        h.flush();
        assertThat(h.keys(dir.substring(1) + "/")).as("the directory's marker and the renamed file")
                .containsExactly(dir.substring(1) + "/", dir.substring(1) + "/" + renamed);
        assertThat(ItHarness.metric(h.plane().scrapeMetrics(), "sync_dirty_files")).isZero();
    }
}
