package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsException;
import com.emc.ecs.nfsclient.nfs.NfsStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * With S3 down, writes still succeed (they are durable locally), reading data that was never cached answers
 * NFS3ERR_JUKEBOX, and once S3 is back a flush makes the bucket match the file system.
 */
class S3OutageTest {

    @TempDir
    Path tmp;
    ItHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesDuringOutageConvergeAfterwards() throws Exception {
        h = ItHarness.onDisk(tmp.resolve("s3"), c -> c);
        h.putObject("cold.txt", utf8("never read before the outage\n"), Map.of());
        h.start(tmp.resolve("data"));
        h.writeFile("/to-delete.txt", utf8("delete me while S3 is down"));
        h.writeFile("/to-overwrite.txt", utf8("old content"));
        h.flush();
        // the node knows cold.txt (listing, attributes) but has never fetched its bytes
        assertThat(h.list("/")).contains("cold.txt", "to-delete.txt", "to-overwrite.txt");
        assertThat(h.attrs("/cold.txt").getSize()).isEqualTo(utf8("never read before the outage\n").length);

        h.s3.stop();
        try {
            h.mkdir("/during");
            for (int i = 0; i < 5; i++) {
                h.writeFile("/during/f" + i + ".txt", utf8("written while S3 was down #" + i));
            }
            ItHarness.write(h.file("/to-overwrite.txt"), 0, utf8("new content!"));
            h.file("/to-delete.txt").remove();

            for (int i = 0; i < 5; i++) {
                assertThat(h.readFile("/during/f" + i + ".txt")).asString(StandardCharsets.UTF_8)
                        .isEqualTo("written while S3 was down #" + i);
            }
            Throwable t = catchThrowable(() -> h.readFile("/cold.txt"));
            assertThat(t).as("reading never-cached data while S3 is down").isInstanceOf(NfsException.class);
            assertThat(((NfsException) t).getStatus()).isEqualTo(NfsStatus.NFS3ERR_JUKEBOX);
            assertThat(((NfsException) t).getStatus().getValue()).isEqualTo(10008);
        } finally {
            h.s3.restart();
        }

        h.flush();
        for (int i = 0; i < 5; i++) {
            assertThat(h.objectBytes("during/f" + i + ".txt")).asString(StandardCharsets.UTF_8)
                    .isEqualTo("written while S3 was down #" + i);
        }
        assertThat(h.objectBytes("to-overwrite.txt")).asString(StandardCharsets.UTF_8).isEqualTo("new content!");
        assertThat(h.objectExists("to-delete.txt")).isFalse();
        assertThat(h.keys("")).containsExactlyInAnyOrder("cold.txt", "to-overwrite.txt", "during/",
                "during/f0.txt", "during/f1.txt", "during/f2.txt", "during/f3.txt", "during/f4.txt");
        assertThat(h.readFile("/cold.txt")).asString(StandardCharsets.UTF_8)
                .isEqualTo("never read before the outage\n");
    }
}
