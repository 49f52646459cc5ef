package dev.regatta.dataplane.s3;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ranged reads handed over in slices as the body arrives, against S3Proxy in memory. */
class S3ObjectStoreSlicesTest {

    private static final String ACCESS_KEY = "slices-test";
    private static final String SECRET_KEY = "slices-test-secret";
    private static final String BUCKET = "slices-test";

    private static LocalS3Endpoint endpoint;
    private static SimpleMeterRegistry registry;
    private static S3ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startEndpoint() {
        endpoint = LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
        endpoint.createBucket(BUCKET);
        registry = new SimpleMeterRegistry();
        store = S3ObjectStore.create(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, BUCKET, true,
                registry);
    }

    @AfterAll
    static void stopEndpoint() {
        store.close();
        endpoint.close();
    }

    /** What a read handed over: the slices' offsets and lengths, and their bytes joined. */
    private record Taken(List<long[]> slices, byte[] bytes, long returned) {
    }

    private static Taken take(String key, long offset, long length, String etag, int slice)
            throws ObjectStoreException {
        List<long[]> slices = new ArrayList<>();
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        long n = store.readSlices(key, offset, length, etag, slice, (at, b) -> {
            slices.add(new long[]{at, b.remaining()});
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            joined.writeBytes(copy);
        });
        return new Taken(slices, joined.toByteArray(), n);
    }

    private String put(String key, byte[] content) throws IOException {
        Path f = tmp.resolve("src");
        Files.write(f, content);
        return store.put(key, f, 0, content.length, Map.of());
    }

    @Test
    void aRangeArrivesInOrderedSlicesOfAtMostTheSliceSizeInOneRequest() throws Exception {
        byte[] content = new byte[100_000];
        new Random(3).nextBytes(content);
        String etag = put("s/obj", content);
        double getsBefore = registry.counter(S3ObjectStore.REQUESTS_METRIC, "type", "get").count();

        Taken t = take("s/obj", 1000, 50_000, etag, 16_384);

        assertThat(t.returned()).isEqualTo(50_000);
        assertThat(t.bytes()).isEqualTo(Arrays.copyOfRange(content, 1000, 51_000));
        long expectedAt = 1000;
        for (long[] s : t.slices()) {
            assertThat(s[0]).as("slices in order, each where the last ended").isEqualTo(expectedAt);
            assertThat(s[1]).isBetween(1L, 16_384L);
            expectedAt += s[1];
        }
        assertThat(t.slices()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(registry.counter(S3ObjectStore.REQUESTS_METRIC, "type", "get").count() - getsBefore)
                .as("one GET").isEqualTo(1);
    }

    @Test
    void theEndOfTheObjectShortensTheReadAndBeyondItNothingArrives() throws Exception {
        byte[] content = new byte[5000];
        new Random(4).nextBytes(content);
        String etag = put("s/short", content);

        Taken tail = take("s/short", 4000, 10_000, etag, 1024);
        assertThat(tail.returned()).isEqualTo(1000);
        assertThat(tail.bytes()).isEqualTo(Arrays.copyOfRange(content, 4000, 5000));
        assertThat(take("s/short", 5000, 100, etag, 1024).returned()).isZero();
        assertThat(take("s/short", 0, 0, etag, 1024).slices()).isEmpty();
    }

    @Test
    void aChangedObjectFailsAsAPreconditionAndAConsumersFailureStopsTheRead() throws Exception {
        byte[] content = new byte[64_000];
        String etag = put("s/changing", content);

        assertThatThrownBy(() -> take("s/changing", 0, 100, "0123456789abcdef0123456789abcdef", 1024))
                .isInstanceOfSatisfying(ObjectStoreException.class,
                        e -> assertThat(e.preconditionFailed()).isTrue());
        List<Long> seen = new ArrayList<>();
        assertThatThrownBy(() -> store.readSlices("s/changing", 0, 64_000, etag, 1024, (at, b) -> {
            seen.add(at);
            throw new UncheckedIOException(new IOException("disk full"));
        })).isInstanceOf(UncheckedIOException.class).hasMessageContaining("disk full");
        assertThat(seen).containsExactly(0L);
        // The store still serves the next read after abandoning a body half-way.
        assertThat(take("s/changing", 0, 64_000, etag, 8192).returned()).isEqualTo(64_000);
    }
}
