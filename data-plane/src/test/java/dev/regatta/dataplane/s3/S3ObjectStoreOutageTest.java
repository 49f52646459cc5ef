package dev.regatta.dataplane.s3;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The filesystem back end, and S3 going away and coming back on the same port. */
class S3ObjectStoreOutageTest {

    @TempDir
    Path tmp;

    @Test
    void unavailableEndpointIsRetryableAndDataSurvivesRestart() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LocalS3Endpoint endpoint = LocalS3Endpoint.startFilesystem(tmp.resolve("s3"), 0, "ak", "sk");
             S3ObjectStore store = S3ObjectStore.create(endpoint.endpoint(), "us-east-1", "ak", "sk", "fsbucket",
                     true, registry)) {
            endpoint.createBucket("fsbucket");
            int port = endpoint.port();
            assertThat(port).isPositive();

            byte[] content = S3ObjectStoreTest.randomBytes(70_000, 9);
            Path f = tmp.resolve("f");
            Files.write(f, content);
            String etag = store.put("dir/file", f, 0, content.length, Map.of("mode", "33188", "uid", "7"));
            store.put("dir/", f, 0, 0, Map.of("mode", "16877"));
            assertThat(store.head("dir/file").orElseThrow().metadata()).containsEntry("uid", "7");
            assertThat(store.list("dir/").objects()).hasSize(2);

            endpoint.stop();
            assertThat(endpoint.running()).isFalse();
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.head("dir/file"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("fsbucket").contains("dir/file");
                    });
            assertThatThrownBy(() -> store.read("dir/file", 0, 10, etag))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> store.put("dir/other", f, 0, 10, Map.of()))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> store.list("dir/"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMillis).as("four failing calls").isLessThan(20_000);
            assertThat(registry.get("s3_errors_total").tag("type", "head").tag("kind", "retryable").counter()
                    .count()).isEqualTo(1);

            endpoint.restart();
            assertThat(endpoint.port()).isEqualTo(port);
            assertThat(endpoint.running()).isTrue();
            ObjectStore.ObjectHead head = store.head("dir/file").orElseThrow();
            assertThat(head.etag()).isEqualTo(etag);
            assertThat(head.metadata()).containsEntry("mode", "33188").containsEntry("uid", "7");
            ByteBuffer back = store.read("dir/file", 0, content.length + 10, etag);
            assertThat(S3ObjectStoreTest.bytes(back)).isEqualTo(content);
            assertThat(store.head("dir/").orElseThrow().metadata()).containsEntry("mode", "16877");
            assertThat(store.list("dir/").objects()).hasSize(2);
        }
    }

    @Test
    void closedPortIsRetryablePromptly() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (S3ObjectStore store = S3ObjectStore.create(java.net.URI.create("http://127.0.0.1:" + port), null,
                "ak", "sk", "b", true, new SimpleMeterRegistry())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.head("k"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        }
    }
}
