package dev.regatta.dataplane.s3;

import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded default's on-disk bucket stores every key a Linux file system can name: a 255-byte last component at
 * any depth within S3's 1024-byte key limit, through real S3 calls. S3Proxy's filesystem store alone cannot (its
 * temporary file is the name plus 37 bytes).
 */
class LongNamesOnDiskTest {

    static final String ACCESS_KEY = "long-names";
    static final String SECRET_KEY = "long-names-secret";
    static final String BUCKET = "long-names";

    @TempDir
    Path tmp;
    LocalS3Endpoint endpoint;
    S3Client s3;

    @BeforeEach
    void start() {
        endpoint = LocalS3Endpoint.startFilesystem(tmp.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY);
        endpoint.createBucket(BUCKET);
        s3 = S3ObjectStore.buildClient(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
    }

    @AfterEach
    void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    /** A key of {@code depth} components, the last one {@code nameBytes} bytes long (the others short). */
    static String key(int depth, int nameBytes, char fill) {
        StringBuilder k = new StringBuilder();
        for (int i = 1; i < depth; i++) {
            k.append("d").append(i).append('/');
        }
        return k.append(String.valueOf(fill).repeat(nameBytes)).toString();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 20})
    void aKeyWithA255ByteNamePutsHeadsGetsListsCopiesAndDeletes(int depth) {
        String key = key(depth, 255, 'n');
        assertThat(key.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        byte[] data = "long name, depth %d".formatted(depth).getBytes(StandardCharsets.UTF_8);
        Map<String, String> meta = Map.of("mode", "0100644", "uid", "1000", "mtime", "1700000000000000000");

        s3.putObject(b -> b.bucket(BUCKET).key(key).metadata(meta).contentType("text/plain"),
                RequestBody.fromBytes(data));

        HeadObjectResponse head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        assertThat(head.metadata()).containsAllEntriesOf(meta);
        assertThat(head.contentLength()).isEqualTo(data.length);
        assertThat(head.contentType()).isEqualTo("text/plain");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray()).isEqualTo(data);
        String parent = key.substring(0, key.lastIndexOf('/') + 1);
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(parent).delimiter("/")).contents())
                .extracting(S3Object::key).containsExactly(key);

        // A copy to another 255-byte name with replaced metadata, as a rename in the data plane does.
        String copy = key(depth, 255, 'c');
        Map<String, String> meta2 = Map.of("mode", "0100600");
        s3.copyObject(b -> b.sourceBucket(BUCKET).sourceKey(key).destinationBucket(BUCKET).destinationKey(copy)
                .metadataDirective(MetadataDirective.REPLACE).metadata(meta2).copySourceIfMatch(head.eTag()));
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(copy)).metadata()).isEqualTo(meta2);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(copy)).asByteArray()).isEqualTo(data);

        s3.deleteObject(b -> b.bucket(BUCKET).key(key));
        s3.deleteObject(b -> b.bucket(BUCKET).key(copy));
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket(BUCKET).key(key))).isInstanceOf(NoSuchKeyException.class);
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET)).contents()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 20})
    void aKeyWithA255ByteNameUploadsInParts(int depth) {
        String key = key(depth, 255, 'm');
        byte[] part1 = new byte[5 << 20];
        new Random(depth).nextBytes(part1);
        byte[] part2 = "tail".getBytes(StandardCharsets.UTF_8);
        String id = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key).metadata(Map.of("mode", "0100640")))
                .uploadId();
        String e1 = s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1),
                RequestBody.fromBytes(part1)).eTag();
        String e2 = s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(2),
                RequestBody.fromBytes(part2)).eTag();
        assertThat(s3.listParts(b -> b.bucket(BUCKET).key(key).uploadId(id)).parts()).hasSize(2);
        s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(id).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(),
                CompletedPart.builder().partNumber(2).eTag(e2).build())));

        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata()).containsEntry("mode", "0100640");
        byte[] got = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
        assertThat(got).hasSize(part1.length + part2.length);
        assertThat(got).startsWith(part1).endsWith(part2);
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET)).contents()).extracting(S3Object::key)
                .containsExactly(key);
    }

    @Test
    void anAbortedUploadOfALongNameLeavesNothing() {
        String key = key(3, 255, 'a');
        String id = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1), RequestBody.fromString("x"));
        s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(id));
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET)).contents()).isEmpty();
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket(BUCKET).key(key))).isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void theBucketDirectoryHoldsTheObjectUnderItsOwnNameAndNothingElse() throws IOException {
        String key = key(2, 255, 'f');
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("on disk"));
        Path bucketDir = tmp.resolve("s3").resolve(BUCKET);
        assertThat(bucketDir.resolve(key)).hasContent("on disk");
        try (Stream<Path> files = Files.walk(bucketDir)) {
            assertThat(files.filter(Files::isRegularFile).toList()).containsExactly(bucketDir.resolve(key));
        }
        // The staging area is no bucket.
        assertThat(s3.listBuckets().buckets()).extracting(Bucket::name).containsExactly(BUCKET);
    }

    @Test
    void aNameLongerThanTheFileSystemTakesIsRefusedWithAClientError() {
        String key = key(2, 256, 'x');
        assertThatThrownBy(() -> s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("no")))
                .isInstanceOfSatisfying(S3Exception.class,
                        e -> assertThat(e.statusCode()).isBetween(400, 499));
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET)).contents()).isEmpty();
    }

    @Test
    void objectsWrittenByTheEarlierLayoutStayReadable() throws Exception {
        // What earlier versions wrote: S3Proxy's filesystem store alone, s3fs-style attributes in user metadata.
        stop();
        Path base = tmp.resolve("old");
        Files.createDirectories(base);
        Map<String, String> meta = Map.of("mode", "0100644", "uid", "1000", "gid", "1000",
                "mtime", "1700000000000000000");
        String key = "old/dir/" + "o".repeat(218);
        try (FilesystemNio2BlobStore earlier = new FilesystemNio2BlobStore(base.toString())) {
            earlier.createContainer(BUCKET);
            earlier.putBlob(software.amazon.awssdk.services.s3.model.PutObjectRequest.builder().bucket(BUCKET)
                    .key(key).metadata(meta).build(), new java.io.ByteArrayInputStream("old".getBytes()));
        }
        endpoint = LocalS3Endpoint.startFilesystem(base, 0, ACCESS_KEY, SECRET_KEY);
        endpoint.createBucket(BUCKET);
        s3 = S3ObjectStore.buildClient(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);

        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata()).isEqualTo(meta);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("old");
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET)).contents()).extracting(S3Object::key)
                .isEqualTo(List.of(key));
        // ... and a long name lands next to it.
        String longKey = "old/dir/" + "p".repeat(255);
        s3.putObject(b -> b.bucket(BUCKET).key(longKey), RequestBody.fromString("new"));
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("old/dir/")).contents()).extracting(S3Object::key)
                .containsExactly(key, longKey);
    }

    /**
     * A listing never shows an object half written: the store writes each object as a temporary file beside its key
     * and renames it into place, so a listing during a PUT showed {@code <name>-<uuid>}, a key nobody wrote (the
     * kernel client's git scenario failed on it once: the node imported the temporary name, then it vanished).
     */
    @Test
    void aListingDuringPutsShowsOnlyTheKeysWritten() throws Exception {
        byte[] data = new byte[8 << 20];
        new Random(7).nextBytes(data);
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20; i++) {
                s3.putObject(b -> b.bucket(BUCKET).key("busy/object"), RequestBody.fromBytes(data));
            }
        });
        java.util.Set<String> seen = new java.util.TreeSet<>();
        while (writer.isAlive()) {
            s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("busy/")).contents().forEach(o -> seen.add(o.key()));
        }
        writer.join();
        seen.addAll(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("busy/")).contents().stream()
                .map(S3Object::key).toList());
        assertThat(seen).containsExactly("busy/object");
    }
}
