package dev.regatta.dataplane.s3;

import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.model.FileType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** S3ObjectStore against S3Proxy in memory (one shared endpoint, one bucket per test class). */
class S3ObjectStoreTest {

    static final String ACCESS_KEY = "regatta-test";
    static final String SECRET_KEY = "regatta-test-secret";
    static final String BUCKET = "store-test";

    static LocalS3Endpoint endpoint;
    static MeterRegistry registry;
    static S3ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startEndpoint() {
        endpoint = LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
        endpoint.createBucket(BUCKET);
        endpoint.createBucket(BUCKET); // idempotent
        registry = new SimpleMeterRegistry();
        store = S3ObjectStore.create(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, BUCKET, true,
                registry);
    }

    @AfterAll
    static void stopEndpoint() {
        if (store != null) {
            store.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    Path file(String name, byte[] content) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    String putBytes(String key, byte[] content, Map<String, String> metadata) throws IOException {
        Path f = Files.createTempFile(tmp, "obj", ".bin");
        Files.write(f, content);
        return store.put(key, f, 0, content.length, metadata);
    }

    @Test
    void aRequestInsideAMetadataTransactionIsRefusedBeforeItIsSent(@TempDir Path meta) {
        double headsBefore = registry.get("s3_requests_total").tag("type", "head").counter().count();
        try (MetadataStore metadata = MetadataStore.open(meta)) {
            assertThatThrownBy(() -> metadata.read(tx -> store.head("any-key")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("S3 head of any-key");
        }
        assertThat(registry.get("s3_requests_total").tag("type", "head").counter().count()).isEqualTo(headsBefore);
    }

    @Test
    void invalidBucketNamesAreRefused() {
        assertThatThrownBy(() -> endpoint.createBucket("b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> endpoint.createBucket("Upper")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void portIsResolved() {
        assertThat(endpoint.port()).isPositive();
        assertThat(endpoint.endpoint().toString()).isEqualTo("http://127.0.0.1:" + endpoint.port());
    }

    @Test
    void putHeadAndRangedReads() throws IOException {
        byte[] content = randomBytes(2000, 1);
        Path f = file("src.bin", content);
        AttributeCodec codec = new AttributeCodec(0, 0, 0644, 0755);
        Map<String, String> meta = codec.encode(ObjectAttributes.of(FileType.REGULAR, 0600, 1000, 1000,
                1_700_000_000_123_456_789L));

        // Upload a region, not the whole file.
        String etag = store.put("rw/file.bin", f, 3, 1000, meta);
        assertThat(etag).isNotBlank().doesNotStartWith("\"").doesNotEndWith("\"");

        ObjectStore.ObjectHead head = store.head("rw/file.bin").orElseThrow();
        assertThat(head.size()).isEqualTo(1000);
        assertThat(head.etag()).isEqualTo(etag);
        assertThat(head.lastModifiedMillis()).isPositive();
        ObjectAttributes back = codec.decode(head.metadata(), false, head.lastModifiedMillis());
        assertThat(back.mode()).isEqualTo(0600);
        assertThat(back.uid()).isEqualTo(1000);
        assertThat(back.mtimeNanos()).isEqualTo(1_700_000_000_123_456_789L);

        byte[] region = Arrays.copyOfRange(content, 3, 1003);
        assertThat(bytes(store.read("rw/file.bin", 0, 1000, null))).isEqualTo(region);
        assertThat(bytes(store.read("rw/file.bin", 10, 20, etag))).isEqualTo(Arrays.copyOfRange(region, 10, 30));
        // Short read at the end, empty at and past the end.
        assertThat(bytes(store.read("rw/file.bin", 990, 100, etag))).isEqualTo(Arrays.copyOfRange(region, 990, 1000));
        assertThat(store.read("rw/file.bin", 1000, 10, null).remaining()).isZero();
        assertThat(store.read("rw/file.bin", 5000, 10, etag).remaining()).isZero();
        assertThat(store.read("rw/file.bin", 0, 0, null).remaining()).isZero();

        assertThatThrownBy(() -> store.read("rw/file.bin", 0, 10, "0123456789abcdef0123456789abcdef"))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PRECONDITION_FAILED);
                    assertThat(e.getMessage()).contains(BUCKET).contains("rw/file.bin");
                });
        assertThatThrownBy(() -> store.read("rw/missing", 0, 10, null))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.notFound()).isTrue());
        assertThat(store.head("rw/missing")).isEmpty();

        // Empty objects and directory markers.
        Path empty = file("empty", new byte[0]);
        store.put("rw/empty", empty, 0, 0, Map.of());
        assertThat(store.read("rw/empty", 0, 4096, null).remaining()).isZero();
        store.put("rw/dir/", empty, 0, 0, Map.of("mode", "16877"));
        assertThat(store.head("rw/dir/").orElseThrow().metadata()).containsEntry("mode", "16877");

        // A region beyond the local file's end is refused up front.
        assertThatThrownBy(() -> store.put("rw/short", f, 1500, 1000, Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PERMANENT));
    }

    @Test
    void awkwardKeys() throws IOException {
        for (String key : List.of("odd/with space", "odd/ünï cödé/文件.txt", "odd/a+b&c=d%20e?f#g", "odd/~tilde*")) {
            byte[] content = key.getBytes(StandardCharsets.UTF_8);
            String etag = putBytes(key, content, Map.of());
            assertThat(store.head(key).orElseThrow().etag()).as(key).isEqualTo(etag);
            assertThat(bytes(store.read(key, 0, 1000, etag))).as(key).isEqualTo(content);
        }
        assertThat(store.list("odd/").objects()).hasSize(3);
        assertThat(store.list("odd/").commonPrefixes()).containsExactly("odd/ünï cödé/");
    }

    @Test
    void listWithPrefixesAndPagination() throws Exception {
        byte[] x = {1};
        for (String k : List.of("ls/a", "ls/b", "ls/d1/x", "ls/d2/", "ls/d2/y", "lsx")) {
            putBytes(k, x, Map.of());
        }
        ObjectStore.Listing l = store.list("ls/");
        assertThat(l.objects()).extracting(ObjectStore.ObjectSummary::key).containsExactly("ls/a", "ls/b");
        assertThat(l.objects()).allSatisfy(o -> {
            assertThat(o.size()).isEqualTo(1);
            assertThat(o.etag()).doesNotContain("\"");
            assertThat(o.lastModifiedMillis()).isPositive();
        });
        assertThat(l.commonPrefixes()).containsExactly("ls/d1/", "ls/d2/");
        assertThat(store.list("ls/d2/").objects()).extracting(ObjectStore.ObjectSummary::key)
                .containsExactly("ls/d2/", "ls/d2/y");
        assertThat(store.list("nothing/").objects()).isEmpty();
        assertThat(anythingUnder("ls/d1/")).isTrue();
        assertThat(anythingUnder("ls/none/")).isFalse();

        // More than one page (S3 pages hold at most 1000 keys).
        Path one = file("one", x);
        int n = 1100;
        double listsBefore = registry.get("s3_requests_total").tag("type", "list").counter().count();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = String.format("many/k%05d", i);
                futures.add(pool.submit(() -> store.put(key, one, 0, 1, Map.of())));
            }
            for (Future<String> f : futures) {
                f.get();
            }
        }
        putBytes("many/sub/z", x, Map.of());
        ObjectStore.Listing many = store.list("many/");
        assertThat(many.objects()).hasSize(n);
        assertThat(many.objects().getFirst().key()).isEqualTo("many/k00000");
        assertThat(many.objects().getLast().key()).isEqualTo("many/k01099");
        assertThat(many.commonPrefixes()).containsExactly("many/sub/");
        double listsAfter = registry.get("s3_requests_total").tag("type", "list").counter().count();
        assertThat(listsAfter - listsBefore).isGreaterThanOrEqualTo(2);

        // Page by page, as S3 sends them: each is handed over before the next is asked for.
        List<ObjectStore.Listing> pages = new ArrayList<>();
        List<Double> requestsAtEachPage = new ArrayList<>();
        store.listPages("many/", page -> {
            pages.add(page);
            requestsAtEachPage.add(registry.get("s3_requests_total").tag("type", "list").counter().count());
        });
        assertThat(pages).hasSizeGreaterThanOrEqualTo(2);
        assertThat(requestsAtEachPage).doesNotHaveDuplicates();
        assertThat(pages.stream().mapToInt(p -> p.objects().size()).sum()).isEqualTo(n);
        assertThat(pages.getFirst().objects().getFirst().key()).isEqualTo("many/k00000");
        assertThat(pages.stream().flatMap(p -> p.commonPrefixes().stream())).containsExactly("many/sub/");
    }

    @Test
    void copyReplacesMetadataAndChecksSourceEtag() throws IOException {
        byte[] content = randomBytes(5000, 2);
        String etag = putBytes("cp/src", content, Map.of("mode", "33188", "uid", "1", "stale", "yes"));
        String copyEtag = store.copy("cp/src", etag, "cp/dst", Map.of("mode", "33261", "uid", "2"));
        assertThat(copyEtag).isNotBlank().doesNotContain("\"");
        ObjectStore.ObjectHead dst = store.head("cp/dst").orElseThrow();
        assertThat(dst.etag()).isEqualTo(copyEtag);
        assertThat(dst.size()).isEqualTo(5000);
        assertThat(dst.metadata()).containsEntry("mode", "33261").containsEntry("uid", "2")
                .doesNotContainKey("stale");
        assertThat(bytes(store.read("cp/dst", 0, 5000, copyEtag))).isEqualTo(content);
        // Source untouched.
        assertThat(store.head("cp/src").orElseThrow().metadata()).containsEntry("stale", "yes");
        // Copy without a precondition.
        store.copy("cp/src", null, "cp/dst2", Map.of());
        assertThat(store.head("cp/dst2").orElseThrow().size()).isEqualTo(5000);

        assertThatThrownBy(() -> store.copy("cp/src", "0123456789abcdef0123456789abcdef", "cp/dst3", Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PRECONDITION_FAILED));
        assertThat(store.head("cp/dst3")).isEmpty();
        assertThatThrownBy(() -> store.copy("cp/missing", null, "cp/dst4", Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.notFound()).isTrue());
    }

    @Test
    void multipartWithUploadedAndCopiedParts() throws IOException {
        int mib = 1 << 20;
        byte[] part1 = randomBytes(5 * mib, 3);
        byte[] source = randomBytes(6 * mib, 4);
        byte[] part3 = randomBytes(12345, 5);
        String sourceEtag = putBytes("mp/source", source, Map.of());

        // Part 1 is a region of a bigger file.
        byte[] padded = new byte[part1.length + 100];
        System.arraycopy(part1, 0, padded, 100, part1.length);
        Path f1 = file("p1", padded);
        Path f3 = file("p3", part3);

        ObjectStore.MultipartUpload upload = store.startMultipart("mp/target", Map.of("mode", "33188"));
        // Out of order on purpose: complete() must send them sorted.
        upload.uploadPart(3, f3, 0, part3.length);
        upload.copyPart(2, "mp/source", sourceEtag, 1000, 1000 + 5 * mib);
        upload.uploadPart(1, f1, 100, part1.length);
        String etag = upload.complete();
        assertThat(etag).isNotBlank().doesNotContain("\"");

        ObjectStore.ObjectHead head = store.head("mp/target").orElseThrow();
        assertThat(head.size()).isEqualTo(part1.length + 5L * mib + part3.length);
        assertThat(head.etag()).isEqualTo(etag);
        assertThat(head.metadata()).containsEntry("mode", "33188");
        assertThat(bytes(store.read("mp/target", 0, part1.length, etag))).isEqualTo(part1);
        assertThat(bytes(store.read("mp/target", part1.length, 5 * mib, etag)))
                .isEqualTo(Arrays.copyOfRange(source, 1000, 1000 + 5 * mib));
        assertThat(bytes(store.read("mp/target", part1.length + 5L * mib, 20000, etag))).isEqualTo(part3);

        // A copied part whose source changed fails; abort cleans up.
        ObjectStore.MultipartUpload stale = store.startMultipart("mp/stale", Map.of());
        assertThatThrownBy(() -> stale.copyPart(1, "mp/source", "0123456789abcdef0123456789abcdef", 0, 10))
                .isInstanceOfSatisfying(ObjectStoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PRECONDITION_FAILED));
        stale.abort();
        stale.abort(); // twice is harmless
        assertThat(store.head("mp/stale")).isEmpty();
    }

    @Test
    void multipartCopySplitsIntoParts() throws IOException {
        int mib = 1 << 20;
        byte[] source = randomBytes(11 * mib + 17, 8);
        String etag = putBytes("mpc/source", source, Map.of("old", "1"));
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        S3Client raw = S3ObjectStore.buildClient(endpoint.endpoint(), null, ACCESS_KEY, SECRET_KEY, true);
        try (S3ObjectStore s = new S3ObjectStore(raw, raw, BUCKET, own, 5L * mib)) {
            String copyEtag = s.multipartCopy("mpc/source", etag, source.length, "mpc/target", Map.of("new", "2"));
            assertThat(count(own, "s3_requests_total", "type", "upload_part_copy")).isEqualTo(3);
            ObjectStore.ObjectHead head = s.head("mpc/target").orElseThrow();
            assertThat(head.etag()).isEqualTo(copyEtag);
            assertThat(head.metadata()).containsEntry("new", "2").doesNotContainKey("old");
            assertThat(bytes(s.read("mpc/target", 0, source.length + 1, copyEtag))).isEqualTo(source);

            assertThatThrownBy(() -> s.multipartCopy("mpc/source", "0123456789abcdef0123456789abcdef",
                    source.length, "mpc/stale", Map.of()))
                    .isInstanceOfSatisfying(ObjectStoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PRECONDITION_FAILED));
            assertThat(count(own, "s3_requests_total", "type", "multipart_abort")).isEqualTo(1);
            assertThat(s.head("mpc/stale")).isEmpty();
        }
    }

    @Test
    void deleteAndDeleteAll() throws IOException {
        List<String> keys = List.of("del/a", "del/b", "del/c/");
        for (String k : keys) {
            putBytes(k, new byte[] {7}, Map.of());
        }
        store.delete("del/missing");
        assertThat(store.deleteAll(List.of())).isEmpty();
        List<String> withMissing = new ArrayList<>(keys);
        withMissing.add("del/never-existed");
        assertThat(store.deleteAll(withMissing)).isEmpty();
        assertThat(store.list("del/").objects()).isEmpty();
        assertThat(anythingUnder("del/")).isFalse();

        putBytes("del/one", new byte[] {1}, Map.of());
        store.delete("del/one");
        assertThat(store.head("del/one")).isEmpty();
    }

    @Test
    void metricsCountRequestsErrorsAndBytes() throws IOException {
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        try (S3ObjectStore s = S3ObjectStore.create(endpoint.endpoint(), null, ACCESS_KEY, SECRET_KEY, BUCKET,
                true, own)) {
            Path f = file("m", randomBytes(300, 6));
            String etag = s.put("metrics/x", f, 0, 300, Map.of());
            s.head("metrics/x");
            s.head("metrics/none");
            s.read("metrics/x", 0, 100, etag);
            s.read("metrics/x", 300, 100, etag); // past the end: 416, not an error
            assertThatThrownBy(() -> s.read("metrics/x", 0, 100, "ffffffffffffffffffffffffffffffff"))
                    .isInstanceOf(ObjectStoreException.class);
            s.list("metrics/");
            s.copy("metrics/x", etag, "metrics/y", Map.of());
            s.deleteAll(List.of("metrics/x", "metrics/y"));
            s.delete("metrics/x");

            assertThat(count(own, "s3_requests_total", "type", "put")).isEqualTo(1);
            assertThat(count(own, "s3_requests_total", "type", "head")).isEqualTo(2);
            assertThat(count(own, "s3_requests_total", "type", "get")).isEqualTo(3);
            assertThat(own.find("s3_errors_total").tag("type", "get").tag("kind", "permanent").counter()).isNull();
            assertThat(count(own, "s3_requests_total", "type", "list")).isEqualTo(1);
            assertThat(count(own, "s3_requests_total", "type", "copy")).isEqualTo(1);
            assertThat(count(own, "s3_requests_total", "type", "delete_batch")).isEqualTo(1);
            assertThat(count(own, "s3_requests_total", "type", "delete")).isEqualTo(1);
            assertThat(count(own, "s3_requests_total", "type", "upload_part")).isZero();
            assertThat(own.get("s3_errors_total").tag("type", "head").tag("kind", "not_found").counter().count())
                    .isEqualTo(1);
            assertThat(own.get("s3_errors_total").tag("type", "get").tag("kind", "precondition_failed").counter()
                    .count()).isEqualTo(1);
            assertThat(count(own, "s3_bytes_total", "direction", "out")).isEqualTo(300);
            assertThat(count(own, "s3_bytes_total", "direction", "in")).isEqualTo(100);
        }
    }

    @Test
    void wrongCredentialsArePermanent() {
        try (S3ObjectStore s = S3ObjectStore.create(endpoint.endpoint(), null, ACCESS_KEY, "wrong", BUCKET, true,
                new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> s.head("anything"))
                    .isInstanceOfSatisfying(ObjectStoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PERMANENT));
        }
        try (S3ObjectStore s = S3ObjectStore.create(endpoint.endpoint(), null, ACCESS_KEY, SECRET_KEY,
                "no-such-bucket", true, new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> s.list(""))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.PERMANENT);
                        assertThat(e.getMessage()).contains("no-such-bucket");
                    });
        }
    }

    static double count(MeterRegistry r, String name, String tag, String value) {
        return r.get(name).tag(tag, value).counter().count();
    }

    private boolean anythingUnder(String prefix) throws ObjectStoreException {
        ObjectStore.Listing l = store.list(prefix);
        return !l.objects().isEmpty() || !l.commonPrefixes().isEmpty();
    }
}
