package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data plane driven by a real, independent NFSv3 client: libnfs's command-line tools (Debian's
 * libnfs-utils), a C implementation that shares nothing with our code.
 */
class LibnfsClientTest {

    @TempDir
    static Path dir;
    static LocalS3Endpoint s3;
    static DataPlane dataPlane;
    static S3Client bucket;

    @BeforeAll
    static void start() throws IOException {
        s3 = LocalS3Endpoint.startInMemory(0, "libnfs-key", "libnfs-secret");
        s3.createBucket("libnfs");
        dataPlane = DataPlane.start(DataPlaneConfig.defaults(dir.resolve("data"))
                .withNfs("127.0.0.1", 0, false)
                .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", s3.accessKey(), s3.secretKey(), "libnfs",
                        "", true))
                .withTimings(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(1)));
        bucket = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", s3.accessKey(), s3.secretKey(), true);
    }

    @AfterAll
    static void stop() {
        dataPlane.close();
        bucket.close();
        s3.close();
    }

    private static String url(String path) {
        int port = dataPlane.nfsPort();
        return "nfs://127.0.0.1/fs-demo" + path + "?nfsport=" + port + "&mountport=" + port + "&version=3";
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
        assertThat(p.exitValue()).as("%s exit code, output: %s", List.of(command), out).isZero();
        return out;
    }

    @Test
    void copiesInListsAndCopiesBackThroughTheBucket() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 123];
        new Random(7).nextBytes(data);
        Path source = dir.resolve("source.bin");
        Files.write(source, data);
        run("nfs-cp", source.toString(), url("/copied.bin"));

        assertThat(run("nfs-ls", url(""))).contains("copied.bin").contains(String.valueOf(data.length));

        Path back = dir.resolve("back.bin");
        run("nfs-cp", url("/copied.bin"), back.toString());
        assertThat(Files.readAllBytes(back)).isEqualTo(data);

        assertThat(dataPlane.flush(Duration.ofSeconds(60))).isTrue();
        byte[] object = bucket.getObject(b -> b.bucket("libnfs").key("copied.bin"), ResponseTransformer.toBytes())
                .asByteArray();
        assertThat(object).isEqualTo(data);
    }

    @Test
    void objectPutThroughS3IsReadableByTheClient() throws Exception {
        bucket.putObject(b -> b.bucket("libnfs").key("from-s3/hello.txt"),
                software.amazon.awssdk.core.sync.RequestBody.fromString("hello from s3\n"));
        // Visible once the root's listing is revalidated (1 s here), from a subdirectory mount as libnfs makes. The
        // first access after the interval starts the re-list in the background and is answered from the old view;
        // a later one sees the object.
        Thread.sleep(1100);
        Path back = dir.resolve("hello.txt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                run("nfs-cp", url("/from-s3/hello.txt"), back.toString());
                break;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(200);
            }
        }
        assertThat(Files.readString(back)).isEqualTo("hello from s3\n");
        List<String> lines = new ArrayList<>(run("nfs-ls", url("/from-s3")).lines().toList());
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("hello.txt"));
    }

}
