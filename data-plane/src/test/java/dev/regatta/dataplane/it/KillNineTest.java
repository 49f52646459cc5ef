package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A data plane in a child process is killed with SIGKILL while a client is writing FILE_SYNC; every write it
 * acknowledged is there after a restart on the same data dir and port, and reaches the bucket.
 */
class KillNineTest {

    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path tmp;
    ItHarness h;
    Process child;

    @AfterEach
    void stop() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroy();
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor();
            }
        }
        if (h != null) {
            h.close();
        }
    }

    static byte[] chunk(int i) {
        byte[] b = new byte[CHUNK];
        new Random(1000L + i).nextBytes(b);
        return b;
    }

    @Test
    void acknowledgedWritesSurviveKillMinus9() throws Exception {
        h = ItHarness.inMemory(c -> c);
        Path dataDir = tmp.resolve("child-data");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }

        child = startChild(dataDir, port, tmp.resolve("child-1.log"));
        h.mountExternal();
        byte[] settled = "written and settled before the crash\n".getBytes(StandardCharsets.UTF_8);
        h.writeFile("/settled.txt", settled);

        Nfs3File f = h.create("/crash.bin");
        AtomicInteger acked = new AtomicInteger();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("kill9-writer").start(() -> {
            try {
                for (int i = 0; ; i++) {
                    ItHarness.write(f, (long) i * CHUNK, chunk(i), 0, CHUNK, NfsWriteRequest.FILE_SYNC);
                    acked.set(i + 1);
                }
            } catch (Throwable t) {
                writerError.set(t);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked.get() < 150 && writer.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(writer.isAlive()).as("writer still writing when the kill comes (error: %s)", writerError.get())
                .isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int ackedAtKill = acked.get();
        writer.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(writer.isAlive()).as("writer gave up after the kill").isFalse();
        int ackedChunks = acked.get(); // a reply may have arrived between the kill and our read of the counter
        assertThat(ackedChunks).isGreaterThanOrEqualTo(ackedAtKill).isGreaterThanOrEqualTo(150);

        child = startChild(dataDir, port, tmp.resolve("child-2.log"));
        h.mountExternal();

        assertThat(h.readFile("/settled.txt")).isEqualTo(settled);
        byte[] got = h.readFile("/crash.bin");
        assertThat((long) got.length).as("size after restart").isGreaterThanOrEqualTo((long) ackedChunks * CHUNK);
        for (int i = 0; i < ackedChunks; i++) {
            byte[] part = Arrays.copyOfRange(got, i * CHUNK, (i + 1) * CHUNK);
            assertThat(part).as("acknowledged chunk %d of %d", i, ackedChunks).isEqualTo(chunk(i));
        }

        // the restarted node uploads what it recovered (quiet period 1 s), no flush API across processes: poll
        ItHarness.eventually(Duration.ofSeconds(60), () -> {
            assertThat(h.objectBytes("crash.bin")).isEqualTo(got);
            assertThat(h.objectBytes("settled.txt")).isEqualTo(settled);
        });
    }

    private Process startChild(Path dataDir, int port, Path log) throws Exception {
        return ChildPlane.start(h, dataDir, log, "--nfs-port", Integer.toString(port), "--portmap",
                "--metrics-port", "-1", "--quiet-period", "1s", "--revalidate-after", "2s").process;
    }
}
