package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 100 MiB file written out of order (1 MiB chunks shuffled, then small unaligned overwrites and an unaligned tail),
 * read back warm, uploaded as a multipart object, and read back cold from a fresh data dir.
 */
class LargeFileTest {

    private static final int MIB = 1 << 20;
    private static final int CHUNKS = 100;

    @TempDir
    Path tmp;
    ItHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void randomWritesReadBackWarmAndColdAndMatchTheObject() throws Exception {
        h = ItHarness.inMemory(c -> c.withMultipart(16L * MIB, 8L * MIB)).start(tmp.resolve("data-1"));
        int tail = 12_345;
        byte[] expected = new byte[CHUNKS * MIB + tail];
        Random rnd = new Random(42);
        rnd.nextBytes(expected);

        Nfs3File f = h.create("/big.bin");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            order.add(i);
        }
        Collections.shuffle(order, rnd);
        // the tail first, so that the file has its final size early and later chunks fill holes
        ItHarness.write(f, (long) CHUNKS * MIB, expected, CHUNKS * MIB, tail, NfsWriteRequest.UNSTABLE);
        for (int chunk : order) {
            ItHarness.write(f, (long) chunk * MIB, expected, chunk * MIB, MIB, NfsWriteRequest.UNSTABLE);
        }
        // small unaligned overwrites, some straddling chunk boundaries
        for (int i = 0; i < 200; i++) {
            int len = 1 + rnd.nextInt(5000);
            int off = i % 10 == 0 ? (1 + rnd.nextInt(CHUNKS - 1)) * MIB - len / 2 : rnd.nextInt(expected.length - len);
            byte[] patch = new byte[len];
            rnd.nextBytes(patch);
            System.arraycopy(patch, 0, expected, off, len);
            ItHarness.write(f, off, patch, 0, len, i % 2 == 0 ? NfsWriteRequest.FILE_SYNC : NfsWriteRequest.UNSTABLE);
        }
        h.nfs().wrapped_sendCommit(h.nfs().makeCommitRequest(f.getFileHandle(), 0, 0));
        String sha = ItHarness.sha256(expected);

        assertThat(h.attrs("/big.bin").getSize()).isEqualTo(expected.length);
        assertThat(h.sha256Nfs("/big.bin")).as("warm read-back").isEqualTo(sha);

        h.flush();
        assertThat(h.head("big.bin").contentLength()).isEqualTo(expected.length);
        assertThat(h.head("big.bin").metadata()).containsKey("mode");
        assertThat(Long.parseLong(h.head("big.bin").metadata().get("mode")) & 0170000).isEqualTo(0100000);
        assertThat(sha256Object("big.bin")).as("object bytes in the bucket").isEqualTo(sha);
        String scrape = h.plane().scrapeMetrics();
        assertThat(ItHarness.metric(scrape, "s3_requests_total", "type=\"multipart_complete\""))
                .as("multipart upload used").isGreaterThanOrEqualTo(1);

        // cold cache: a new node on an empty data dir against the same bucket
        Path oldDir = h.dataDir();
        h.stopPlane();
        ItHarness.deleteTree(oldDir);
        h.start(tmp.resolve("data-2"));
        assertThat(h.attrs("/big.bin").getSize()).isEqualTo(expected.length);
        assertThat(h.sha256Nfs("/big.bin")).as("cold read-back").isEqualTo(sha);
    }

    private String sha256Object(String key) throws Exception {
        MessageDigest md = ItHarness.sha();
        try (ResponseInputStream<GetObjectResponse> in = h.bucket.getObject(
                b -> b.bucket(ItHarness.BUCKET).key(key))) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = ((InputStream) in).read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
