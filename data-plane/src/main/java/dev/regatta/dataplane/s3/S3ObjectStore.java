package dev.regatta.dataplane.s3;

import dev.regatta.dataplane.model.TransactionScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link ObjectStore} over the AWS SDK v2 synchronous client (Apache HTTP client). Works with any
 * S3-compatible endpoint: set {@code endpoint} (and usually {@code pathStyle}) for non-AWS servers.
 *
 * <p>Failures are classified into {@link ObjectStoreException.Kind}s; the SDK itself retries a few times with
 * a short backoff (at most a few seconds overall per call) and leaves longer waits to the caller.
 *
 * <p>Metrics: {@code s3_requests_total{type}}, {@code s3_errors_total{type,kind}} and
 * {@code s3_bytes_total{direction=in|out}} (payload bytes read by GET, sent by PUT/UploadPart).
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

    /** Largest object CopyObject accepts; bigger ones are copied in parts. */
    public static final long MAX_SINGLE_COPY_SIZE = 5L << 30;
    /** Part size of a multipart copy. */
    public static final long COPY_PART_SIZE = 512L << 20;
    /** Concurrent requests the connection pool is sized for, unless the caller sizes it. */
    public static final int MAX_CONNECTIONS = 32;
    /** Keys per DeleteObjects request (the S3 limit). */
    public static final int MAX_DELETE_BATCH = 1000;
    /**
     * Largest body sent as it is rather than in aws-chunked encoding, where a body is signed at all (plain HTTP; over
     * HTTPS the SDK sends bodies unsigned). Some servers buffer such a body whole to check its hash: S3Proxy refuses
     * one over 32 MiB. Parts and objects above this keep aws-chunked.
     */
    public static final long PLAIN_BODY_LIMIT = 16L << 20;

    public static final String REQUESTS_METRIC = "s3_requests_total";
    public static final String ERRORS_METRIC = "s3_errors_total";
    public static final String BYTES_METRIC = "s3_bytes_total";

    private static final String OCTET_STREAM = "application/octet-stream";
    /** What s3fs gives directory markers; harmless for everyone else. */
    private static final String DIRECTORY_CONTENT_TYPE = "application/x-directory";

    private static final List<String> REQUEST_TYPES = List.of("list", "head", "get", "put", "copy", "delete",
            "delete_batch", "multipart_start", "upload_part", "upload_part_copy", "multipart_complete",
            "multipart_abort");

    private final S3Client client;
    /** The client for bodies up to {@link #PLAIN_BODY_LIMIT}; {@link #client} itself when it was given alone. */
    private final S3Client plainBodies;
    private final String bucket;
    private final MeterRegistry registry;
    private final Map<String, Counter> requestCounters = new HashMap<>();
    private final Map<String, Map<ObjectStoreException.Kind, Counter>> errorCounters = new ConcurrentHashMap<>();
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final long copyPartSize;

    /** Wraps an existing client, used for every request (closed by {@link #close()}). */
    public S3ObjectStore(S3Client client, String bucket, MeterRegistry registry) {
        this(client, client, bucket, registry, COPY_PART_SIZE);
    }

    /**
     * Wraps two clients of one endpoint (both closed by {@link #close()}): {@code client} for every request but
     * uploads of at most {@link #PLAIN_BODY_LIMIT} bytes, which go through {@code plainBodies}, built with
     * {@code chunkedEncoding} off by {@link #buildClient(URI, String, String, String, boolean, int, boolean)}.
     */
    public S3ObjectStore(S3Client client, S3Client plainBodies, String bucket, MeterRegistry registry) {
        this(client, plainBodies, bucket, registry, COPY_PART_SIZE);
    }

    /** For tests: a smaller multipart-copy part size (at least 5 MiB, S3's minimum part size). */
    S3ObjectStore(S3Client client, S3Client plainBodies, String bucket, MeterRegistry registry, long copyPartSize) {
        this.copyPartSize = copyPartSize;
        this.client = Objects.requireNonNull(client, "client");
        this.plainBodies = Objects.requireNonNull(plainBodies, "plainBodies");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.registry = Objects.requireNonNull(registry, "registry");
        for (String type : REQUEST_TYPES) {
            requestCounters.put(type, Counter.builder(REQUESTS_METRIC).description("S3 requests sent")
                    .tag("type", type).register(registry));
        }
        bytesIn = Counter.builder(BYTES_METRIC).description("S3 payload bytes").tag("direction", "in")
                .register(registry);
        bytesOut = Counter.builder(BYTES_METRIC).description("S3 payload bytes").tag("direction", "out")
                .register(registry);
    }

    /**
     * Builds a client for {@code bucket}.
     *
     * @param endpoint  the S3 endpoint, or null for AWS (resolved from the region)
     * @param region    the signing region; null means the SDK default chain for AWS, "us-east-1" for a custom
     *                  endpoint
     * @param accessKey with {@code secretKey}: static credentials; both null: the default credentials chain
     * @param pathStyle path-style addressing ({@code http://host/bucket/key}), needed by most non-AWS servers
     */
    public static S3ObjectStore create(URI endpoint, String region, String accessKey, String secretKey,
                                       String bucket, boolean pathStyle, MeterRegistry registry) {
        return new S3ObjectStore(buildClient(endpoint, region, accessKey, secretKey, pathStyle, MAX_CONNECTIONS, true),
                buildClient(endpoint, region, accessKey, secretKey, pathStyle, MAX_CONNECTIONS, false), bucket,
                registry);
    }

    /**
     * The S3 client configuration this store uses; exposed for tools and tests that need a raw client.
     * Uses the Apache 4 HTTP client the build declares ({@code apache-client}); the SDK deprecated it in favour
     * of {@code apache5-client}, a one-line swap once the pom declares that artifact.
     */
    public static S3Client buildClient(URI endpoint, String region, String accessKey, String secretKey,
                                       boolean pathStyle) {
        return buildClient(endpoint, region, accessKey, secretKey, pathStyle, MAX_CONNECTIONS, true);
    }

    /**
     * As above, with a connection pool of {@code maxConnections} (the data plane sizes it from its settings).
     *
     * @param chunkedEncoding false: a body the SDK signs (plain HTTP) goes as it is, hashed once and the hash signed,
     *                        instead of in aws-chunked encoding, which allocated a 128 KiB chunk and signed chunk by
     *                        chunk for every upload (15% of a small file's upload CPU in the small-file profile);
     *                        as safe, the signature still covers every byte. For bodies up to
     *                        {@link #PLAIN_BODY_LIMIT} only.
     */
    @SuppressWarnings("deprecation")
    public static S3Client buildClient(URI endpoint, String region, String accessKey, String secretKey,
                                       boolean pathStyle, int maxConnections, boolean chunkedEncoding) {
        AwsCredentialsProvider credentials;
        if (accessKey == null && secretKey == null) {
            credentials = DefaultCredentialsProvider.builder().build();
        } else if (accessKey != null && secretKey != null) {
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        } else {
            throw new IllegalArgumentException("give both access key and secret key, or neither");
        }
        S3ClientBuilder builder = S3Client.builder()
                .credentialsProvider(credentials)
                .forcePathStyle(pathStyle)
                // Many S3-compatible servers reject or mishandle the newer flexible checksums (aws-chunked
                // trailers); send them only where the API requires one (DeleteObjects).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(chunkedEncoding).build())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(30))
                        .connectionMaxIdleTime(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(Duration.ofSeconds(60))
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(3)
                                .backoffStrategy(BackoffStrategy.exponentialDelay(
                                        Duration.ofMillis(100), Duration.ofSeconds(2)))
                                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(
                                        Duration.ofMillis(500), Duration.ofSeconds(5)))
                                // A client-side token bucket would turn an outage into fast failures without
                                // any attempt; the caller already backs off.
                                .circuitBreakerEnabled(false)
                                .build()));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
            builder.region(Region.of(region == null || region.isBlank() ? "us-east-1" : region));
        } else if (region != null && !region.isBlank()) {
            builder.region(Region.of(region));
        }
        return builder.build();
    }

    public String bucket() {
        return bucket;
    }

    @Override
    public void close() {
        client.close();
        if (plainBodies != client) {
            plainBodies.close();
        }
    }

    /** The client an upload of {@code length} bytes goes through. */
    private S3Client uploader(long length) {
        return length <= PLAIN_BODY_LIMIT ? plainBodies : client;
    }

    // ---------------------------------------------------------------- listing

    @Override
    public Listing list(String prefix) throws ObjectStoreException {
        List<ObjectSummary> objects = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        listPages(prefix, page -> {
            objects.addAll(page.objects());
            prefixes.addAll(page.commonPrefixes());
        });
        return new Listing(List.copyOf(objects), List.copyOf(prefixes));
    }

    @Override
    public void listPages(String prefix, Consumer<Listing> pages) throws ObjectStoreException {
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = call("list", prefix, () -> client.listObjectsV2(b -> b
                    .bucket(bucket).prefix(prefix).delimiter("/").continuationToken(continuation)));
            List<ObjectSummary> objects = new ArrayList<>(page.contents().size());
            for (S3Object o : page.contents()) {
                objects.add(new ObjectSummary(o.key(), sizeOf(o.size()), S3Failures.normalizeEtag(o.eTag()),
                        millis(o.lastModified())));
            }
            List<String> prefixes = new ArrayList<>(page.commonPrefixes().size());
            for (CommonPrefix p : page.commonPrefixes()) {
                prefixes.add(p.prefix());
            }
            pages.accept(new Listing(objects, prefixes));
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            if (Boolean.TRUE.equals(page.isTruncated()) && token == null) {
                throw new ObjectStoreException(ObjectStoreException.Kind.RETRYABLE,
                        "S3 list of " + where(prefix) + " returned a truncated page without a continuation token",
                        null);
            }
        } while (token != null);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Optional<ObjectHead> head(String key) throws ObjectStoreException {
        try {
            HeadObjectResponse r = call("head", key, () -> client.headObject(b -> b.bucket(bucket).key(key)));
            return Optional.of(new ObjectHead(key, sizeOf(r.contentLength()), S3Failures.normalizeEtag(r.eTag()),
                    millis(r.lastModified()), r.metadata() == null ? Map.of() : Map.copyOf(r.metadata())));
        } catch (ObjectStoreException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public ByteBuffer read(String key, long offset, int length, String expectedEtag) throws ObjectStoreException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length);
        }
        if (length == 0) {
            return ByteBuffer.allocate(0);
        }
        long last = offset + length - 1;
        String range = "bytes=" + offset + "-" + last;
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = call("get", key, () -> client.getObject(b -> b.bucket(bucket).key(key).range(range)
                    .ifMatch(S3Failures.quoteEtag(expectedEtag))));
        } catch (ObjectStoreException e) {
            if (S3Failures.isRangeNotSatisfiable(e.getCause())) {
                return ByteBuffer.allocate(0);
            }
            throw e;
        }
        try (in) {
            GetObjectResponse r = in.response();
            // A server that ignores Range answers 200 with the whole object: skip to the offset ourselves.
            int status = r.sdkHttpResponse() == null ? 206 : r.sdkHttpResponse().statusCode();
            if (status == 200 && offset > 0) {
                in.skipNBytes(Math.min(offset, r.contentLength() == null ? offset : r.contentLength()));
            }
            int expected = length;
            if (r.contentLength() != null && status == 206) {
                expected = (int) Math.min(length, Math.max(0, r.contentLength()));
            }
            byte[] buf = new byte[expected];
            int n = in.readNBytes(buf, 0, expected);
            if (status == 200 && n == expected) {
                // Don't drain the rest of a whole-object answer.
                in.abort();
            }
            bytesIn.increment(n);
            return ByteBuffer.wrap(buf, 0, n).slice();
        } catch (java.io.EOFException e) {
            return ByteBuffer.allocate(0);
        } catch (IOException | SdkException e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public long readSlices(String key, long offset, long length, String expectedEtag, int sliceBytes,
                           SliceConsumer consumer) throws ObjectStoreException {
        if (offset < 0 || length < 0 || sliceBytes <= 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length + ", slice " + sliceBytes);
        }
        if (length == 0) {
            return 0;
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = call("get", key, () -> client.getObject(b -> b.bucket(bucket).key(key).range(range)
                    .ifMatch(S3Failures.quoteEtag(expectedEtag))));
        } catch (ObjectStoreException e) {
            if (S3Failures.isRangeNotSatisfiable(e.getCause())) {
                return 0;
            }
            throw e;
        }
        long delivered = 0;
        boolean complete = false;
        try {
            GetObjectResponse r = in.response();
            // A server that ignores Range answers 200 with the whole object: skip to the offset ourselves.
            int status = r.sdkHttpResponse() == null ? 206 : r.sdkHttpResponse().statusCode();
            if (status == 200 && offset > 0) {
                in.skipNBytes(Math.min(offset, r.contentLength() == null ? offset : r.contentLength()));
            }
            long expected = length;
            if (r.contentLength() != null && status == 206) {
                expected = Math.min(length, Math.max(0, r.contentLength()));
            }
            byte[] buf = new byte[(int) Math.min(sliceBytes, expected)];
            while (delivered < expected) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, expected - delivered));
                if (n == 0) {
                    break;
                }
                bytesIn.increment(n);
                consumer.accept(offset + delivered, ByteBuffer.wrap(buf, 0, n));
                delivered += n;
            }
            complete = status != 200 || delivered < expected;
            return delivered;
        } catch (java.io.EOFException e) {
            return delivered;
        } catch (IOException | SdkException e) {
            throw failure("get", key, e);
        } finally {
            if (!complete) {
                // Don't drain what nobody will take: the rest of a whole-object answer, or a body whose consumer
                // failed.
                in.abort();
            }
            try {
                in.close();
            } catch (IOException | SdkException ignored) {
                // the bytes are delivered or the failure is already on its way; nothing left to release
            }
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public String put(String key, Path file, long offset, long length, Map<String, String> metadata)
            throws ObjectStoreException {
        checkRegion("put", key, file, offset, length);
        try (FileRegionContentProvider body = new FileRegionContentProvider(file, offset, length)) {
            String contentType = key.endsWith("/") ? DIRECTORY_CONTENT_TYPE : OCTET_STREAM;
            String etag = call("put", key, () -> uploader(length).putObject(b -> b.bucket(bucket).key(key)
                            .contentLength(length).contentType(contentType).metadata(metadataOrEmpty(metadata)),
                    RequestBody.fromContentProvider(body, length, contentType))).eTag();
            bytesOut.increment(length);
            return S3Failures.normalizeEtag(etag);
        }
    }

    @Override
    public String copy(String sourceKey, String sourceEtag, String destinationKey, Map<String, String> metadata)
            throws ObjectStoreException {
        String contentType = destinationKey.endsWith("/") ? DIRECTORY_CONTENT_TYPE : OCTET_STREAM;
        try {
            CopyObjectResponse r = call("copy", sourceKey + " -> " + destinationKey,
                    () -> client.copyObject(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                            .destinationBucket(bucket).destinationKey(destinationKey)
                            .copySourceIfMatch(S3Failures.quoteEtag(sourceEtag))
                            .metadataDirective(MetadataDirective.REPLACE)
                            .contentType(contentType)
                            .metadata(metadataOrEmpty(metadata))));
            return S3Failures.normalizeEtag(r.copyObjectResult() == null ? null : r.copyObjectResult().eTag());
        } catch (ObjectStoreException e) {
            // CopyObject refuses sources over 5 GiB with a 400; only then is a multipart copy worth a HEAD.
            if (e.kind() != ObjectStoreException.Kind.PERMANENT) {
                throw e;
            }
            Optional<ObjectHead> source = head(sourceKey);
            if (source.isEmpty() || source.get().size() <= MAX_SINGLE_COPY_SIZE) {
                throw e;
            }
            if (sourceEtag != null && !sourceEtag.equals(source.get().etag())) {
                throw new ObjectStoreException(ObjectStoreException.Kind.PRECONDITION_FAILED,
                        "S3 copy of " + where(sourceKey) + ": ETag changed", e);
            }
            return multipartCopy(sourceKey, source.get().etag(), source.get().size(), destinationKey, metadata);
        }
    }

    /** Copies in parts of {@code copyPartSize} with UploadPartCopy (what {@link #copy} does above 5 GiB). */
    String multipartCopy(String sourceKey, String sourceEtag, long size, String destinationKey,
                                 Map<String, String> metadata) throws ObjectStoreException {
        LOG.debug("multipart copy of {} ({} bytes) to {}", sourceKey, size, destinationKey);
        MultipartUpload upload = startMultipart(destinationKey, metadata);
        boolean done = false;
        try {
            int part = 1;
            for (long start = 0; start < size; start += copyPartSize, part++) {
                upload.copyPart(part, sourceKey, sourceEtag, start, Math.min(size, start + copyPartSize));
            }
            String etag = upload.complete();
            done = true;
            return etag;
        } finally {
            if (!done) {
                upload.abort();
            }
        }
    }

    @Override
    public MultipartUpload startMultipart(String key, Map<String, String> metadata) throws ObjectStoreException {
        String contentType = key.endsWith("/") ? DIRECTORY_CONTENT_TYPE : OCTET_STREAM;
        CreateMultipartUploadResponse r = call("multipart_start", key, () -> client.createMultipartUpload(b -> b
                .bucket(bucket).key(key).contentType(contentType).metadata(metadataOrEmpty(metadata))));
        return new S3MultipartUpload(key, r.uploadId());
    }

    @Override
    public void delete(String key) throws ObjectStoreException {
        try {
            call("delete", key, () -> client.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (ObjectStoreException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
    }

    @Override
    public List<String> deleteAll(Collection<String> keys) throws ObjectStoreException {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<String> all = List.copyOf(keys);
        List<String> failed = new ArrayList<>();
        for (int from = 0; from < all.size(); from += MAX_DELETE_BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + MAX_DELETE_BATCH));
            List<ObjectIdentifier> ids = batch.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            DeleteObjectsResponse r = call("delete_batch", batch.getFirst() + " (+" + (batch.size() - 1) + ")",
                    () -> client.deleteObjects(b -> b.bucket(bucket)
                            .delete(Delete.builder().objects(ids).quiet(true).build())));
            for (S3Error error : r.errors()) {
                if ("NoSuchKey".equals(error.code())) {
                    continue;
                }
                LOG.debug("S3 delete of {} failed: {} {}", where(error.key()), error.code(), error.message());
                failed.add(error.key());
            }
        }
        return failed;
    }

    // ---------------------------------------------------------------- multipart

    private final class S3MultipartUpload implements MultipartUpload {
        private final String key;
        private final String uploadId;
        private final ConcurrentSkipListMap<Integer, CompletedPart> parts = new ConcurrentSkipListMap<>();

        S3MultipartUpload(String key, String uploadId) {
            this.key = key;
            this.uploadId = uploadId;
        }

        @Override
        public void uploadPart(int partNumber, Path file, long offset, long length) throws ObjectStoreException {
            checkPartNumber(partNumber);
            checkRegion("upload_part", key, file, offset, length);
            try (FileRegionContentProvider body = new FileRegionContentProvider(file, offset, length)) {
                UploadPartResponse r = call("upload_part", key + " part " + partNumber,
                        () -> uploader(length).uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                                        .partNumber(partNumber).contentLength(length),
                                RequestBody.fromContentProvider(body, length, OCTET_STREAM)));
                bytesOut.increment(length);
                parts.put(partNumber, CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).build());
            }
        }

        @Override
        public void copyPart(int partNumber, String sourceKey, String sourceEtag, long start, long endExclusive)
                throws ObjectStoreException {
            checkPartNumber(partNumber);
            if (start < 0 || endExclusive <= start) {
                throw new IllegalArgumentException("empty or negative range [" + start + ", " + endExclusive + ")");
            }
            String range = "bytes=" + start + "-" + (endExclusive - 1);
            UploadPartCopyResponse r = call("upload_part_copy", key + " part " + partNumber + " from " + sourceKey,
                    () -> client.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                            .destinationBucket(bucket).destinationKey(key).uploadId(uploadId)
                            .partNumber(partNumber).copySourceRange(range)
                            .copySourceIfMatch(S3Failures.quoteEtag(sourceEtag))));
            String etag = r.copyPartResult() == null ? null : r.copyPartResult().eTag();
            parts.put(partNumber, CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }

        @Override
        public String complete() throws ObjectStoreException {
            List<CompletedPart> ordered = List.copyOf(parts.values());
            String etag = call("multipart_complete", key, () -> client.completeMultipartUpload(b -> b
                    .bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(ordered)))).eTag();
            return S3Failures.normalizeEtag(etag);
        }

        @Override
        public void abort() {
            try {
                call("multipart_abort", key, () -> client.abortMultipartUpload(b -> b
                        .bucket(bucket).key(key).uploadId(uploadId)));
            } catch (ObjectStoreException e) {
                if (!e.notFound()) {
                    // Left for the bucket's lifecycle rule (AbortIncompleteMultipartUpload) to clean up.
                    LOG.warn("could not abort multipart upload {} of {}: {}", uploadId, where(key), e.getMessage());
                }
            }
        }

        private void checkPartNumber(int partNumber) {
            if (partNumber < 1 || partNumber > 10_000) {
                throw new IllegalArgumentException("part number " + partNumber + " outside 1..10000");
            }
        }

        @Override
        public String toString() {
            return "MultipartUpload[" + where(key) + ", " + uploadId + "]";
        }
    }

    // ---------------------------------------------------------------- plumbing

    private <T> T call(String type, String what, Supplier<T> request) throws ObjectStoreException {
        TransactionScope.requireOutside("S3 " + type + " of " + what);
        requestCounters.get(type).increment();
        try {
            return request.get();
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure(type, what, e);
        }
    }

    private ObjectStoreException failure(String type, String what, Exception e) {
        ObjectStoreException.Kind kind = S3Failures.classify(e);
        // A read at or past the end (416) is an answer, not an error: read() turns it into an empty buffer.
        if (!(type.equals("get") && S3Failures.isRangeNotSatisfiable(e))) {
            errorCounter(type, kind).increment();
        }
        StringBuilder msg = new StringBuilder("S3 ").append(type).append(" of ").append(where(what)).append(" failed");
        String code = null;
        if (e instanceof AwsServiceException se) {
            msg.append(": HTTP ").append(se.statusCode());
            AwsErrorDetails details = se.awsErrorDetails();
            code = "HTTP_" + se.statusCode();
            if (details != null && details.errorCode() != null) {
                msg.append(' ').append(details.errorCode());
                code = details.errorCode();
            }
            if (details != null && details.errorMessage() != null) {
                msg.append(" (").append(details.errorMessage()).append(')');
            }
        } else {
            msg.append(": ").append(e.getMessage());
        }
        msg.append(" [").append(kind).append(']');
        ObjectStoreException ex = new ObjectStoreException(kind, code, msg.toString(), e);
        if (kind == ObjectStoreException.Kind.RETRYABLE || kind == ObjectStoreException.Kind.PERMANENT) {
            LOG.debug("{}", ex.getMessage());
        }
        return ex;
    }

    private Counter errorCounter(String type, ObjectStoreException.Kind kind) {
        return errorCounters.computeIfAbsent(type, t -> new EnumMap<>(ObjectStoreException.Kind.class))
                .computeIfAbsent(kind, k -> Counter.builder(ERRORS_METRIC).description("failed S3 requests")
                        .tag("type", type).tag("kind", k.name().toLowerCase(Locale.ROOT)).register(registry));
    }

    private void checkRegion(String type, String key, Path file, long offset, long length)
            throws ObjectStoreException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ObjectStoreException(ObjectStoreException.Kind.PERMANENT,
                    "S3 " + type + " of " + where(key) + ": cannot read local file " + file + ": " + e, e);
        }
        if (size < offset + length) {
            throw new ObjectStoreException(ObjectStoreException.Kind.PERMANENT,
                    "S3 " + type + " of " + where(key) + ": local file " + file + " has " + size
                            + " bytes, fewer than " + offset + "+" + length, null);
        }
    }

    private String where(String key) {
        return "s3://" + bucket + "/" + key;
    }

    private static Map<String, String> metadataOrEmpty(Map<String, String> metadata) {
        return metadata == null ? Map.of() : metadata;
    }

    private static long sizeOf(Long size) {
        return size == null ? 0 : size;
    }

    private static long millis(java.time.Instant instant) {
        return instant == null ? 0 : instant.toEpochMilli();
    }

    @Override
    public String toString() {
        return "S3ObjectStore[" + bucket + "]";
    }
}
