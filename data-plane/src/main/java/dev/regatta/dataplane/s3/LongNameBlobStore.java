package dev.regatta.dataplane.s3;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.gaul.s3proxy.nio2blob.AbstractNio2BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListBucketsResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * S3Proxy's filesystem store, made to take every key a Linux file system can name. That store writes an object as
 * a temporary file {@code <name>-<uuid>} next to it and renames it into place, and a part of an upload as
 * {@code .mpus-<uuid>-<key>-<n>}: a last component longer than 218 bytes makes that temporary name exceed the
 * 255-byte NAME_MAX and the write fail with "File name too long" (an HTTP 500 the client retries forever).
 *
 * <p>A write of an object is therefore made under a short name in a staging directory beside the buckets
 * ({@value #STAGING}, not a bucket S3 can name or list), by the same store, so the file carries the same extended
 * attributes (content type, ETag, user metadata) as any other; the finished file is then renamed to its key's path, a
 * rename within one file system that keeps those attributes. Every object is staged, not only those whose names would
 * not fit: the store's temporary file beside the key showed in listings while it was written, as a key
 * {@code <name>-<uuid>} nobody wrote (a node revalidating that directory imported it, and a client saw it vanish).
 * Directory markers, an upload whose parts' names fit, and every other request go to the store unchanged, so the
 * bucket's layout on disk is the store's own: an object is the file at its key's path, metadata in {@code user.*}
 * extended attributes, and data directories written before this wrapper existed are read as they are. A key with a
 * component over 255 bytes is refused with 400 InvalidArgument, since no file can hold it.
 *
 * <p>What staging does not give: ListMultipartUploads on a bucket leaves out uploads in progress to such long keys
 * (their parts live in staging), and deletes, moves and listings are the store's own, unchanged (so are the empty
 * directories its deletes can leave behind).
 */
public final class LongNameBlobStore extends ForwardingBlobStore {

    private static final Logger LOG = LoggerFactory.getLogger(LongNameBlobStore.class);
    /** The staging directory under the store's root: a name no S3 bucket can have (it starts with a dot). */
    static final String STAGING = ".regatta-staging";
    private static final int NAME_MAX = 255;
    /** What the store appends to a name for its temporary file: "-" and a UUID. */
    private static final String TEMP_SUFFIX = "-" + new UUID(0, 0);
    /** The largest part number S3 allows: the longest suffix of a part's name. */
    private static final int MAX_PART_NUMBER = 10_000;
    /** The store's own reserved names, which it refuses as keys and which staging must refuse too. */
    private static final List<String> RESERVED_PREFIXES = List.of(".mpus-", ".s3proxy-versions", ".s3proxy-slash");

    /** The names this class stages under (an upload's parts and stub are the store's own, under ".mpus-"). */
    private static final Pattern STAGED_NAME = Pattern.compile("(put|copy|mpu)-");

    private final Path root;
    private final Path staging;
    /** A completed upload is assembled at one staging name per key; publishing it must not interleave. */
    private final Object completing = new Object();

    private LongNameBlobStore(BlobStore store, Path root) {
        super(store);
        this.root = root;
        this.staging = root.resolve(STAGING);
    }

    /**
     * The filesystem store over {@code root} (which must exist), wrapped. Files left in staging by a process that
     * died between writing and publishing them are removed: nothing else writes there.
     */
    public static LongNameBlobStore over(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        LongNameBlobStore store = new LongNameBlobStore(new FilesystemNio2BlobStore(absolute.toString()), absolute);
        if (!store.delegate().containerExists(STAGING)) {
            store.delegate().createContainer(STAGING);
        }
        store.removeLeftovers();
        return store;
    }

    private void removeLeftovers() {
        try (Stream<Path> files = Files.list(staging)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f) && STAGED_NAME.matcher(f.getFileName().toString())
                    .lookingAt()).toList()) {
                Files.deleteIfExists(f);
                LOG.info("removed {}, a staged write that a stopped process did not publish", f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + staging, e);
        }
    }

    @Override
    public ListBucketsResponse list() {
        ListBucketsResponse all = delegate().list();
        return all.toBuilder().buckets(all.buckets().stream().filter(b -> !STAGING.equals(b.name())).toList())
                .build();
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream payload) {
        if (request.key().endsWith("/")) {
            return delegate().putBlob(request, payload);
        }
        Path target = target(request.bucket(), request.key());
        String staged = "put-" + UUID.randomUUID();
        PutObjectResponse r = delegate().putBlob(request.toBuilder().bucket(STAGING).key(staged).ifNoneMatch(null)
                .build(), payload);
        publish(staging.resolve(staged), target, request.ifNoneMatch(), request.bucket(), request.key());
        return r;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        if (request.destinationKey().endsWith("/")) {
            return delegate().copyBlob(request);
        }
        Path target = target(request.destinationBucket(), request.destinationKey());
        String staged = "copy-" + UUID.randomUUID();
        CopyObjectResponse r = delegate().copyBlob(request.toBuilder().destinationBucket(STAGING)
                .destinationKey(staged).build());
        publish(staging.resolve(staged), target, null, request.destinationBucket(), request.destinationKey());
        return r;
    }

    @Override
    public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
        if (partsFit(request.key())) {
            return delegate().initiateMultipartUpload(request);
        }
        target(request.bucket(), request.key()); // refuses what no file can hold before any part is sent
        MultipartUpload staged = delegate().initiateMultipartUpload(request.toBuilder().bucket(STAGING)
                .key(stagedUploadKey(request.bucket(), request.key())).build());
        return new MultipartUpload(staged.id(), request, staged.response());
    }

    @Override
    public UploadPartResponse uploadMultipartPart(MultipartUpload mpu, UploadPartRequest request, InputStream is) {
        return delegate().uploadMultipartPart(staged(mpu), request, is);
    }

    @Override
    public List<Part> listMultipartUpload(MultipartUpload mpu) {
        return delegate().listMultipartUpload(staged(mpu));
    }

    @Override
    public void abortMultipartUpload(MultipartUpload mpu) {
        delegate().abortMultipartUpload(staged(mpu));
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload mpu,
                                                                   CompleteMultipartUploadRequest request) {
        if (partsFit(mpu.blobName())) {
            return delegate().completeMultipartUpload(mpu, request);
        }
        Path target = target(mpu.containerName(), mpu.blobName());
        MultipartUpload staged = staged(mpu);
        synchronized (completing) {
            CompleteMultipartUploadResponse r = delegate().completeMultipartUpload(staged,
                    request.toBuilder().ifNoneMatch(null).build());
            publish(staging.resolve(staged.blobName()), target, request.ifNoneMatch(), mpu.containerName(),
                    mpu.blobName());
            return r;
        }
    }

    /** The upload as the store knows it: under its staging name when its parts' names would not fit. */
    private static MultipartUpload staged(MultipartUpload mpu) {
        if (partsFit(mpu.blobName())) {
            return mpu;
        }
        return new MultipartUpload(mpu.id(), mpu.request().toBuilder().bucket(STAGING)
                .key(stagedUploadKey(mpu.containerName(), mpu.blobName())).build(), mpu.response());
    }

    /** One staging name per bucket and key, so that every request of an upload finds its parts. */
    private static String stagedUploadKey(String bucket, String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((bucket + "/" + key).getBytes(StandardCharsets.UTF_8));
            return "mpu-" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the store can keep an upload to {@code key} itself: the names of its parts and their temp files fit. */
    static boolean partsFit(String key) {
        String uploadId = new UUID(0, 0).toString();
        return componentsFit(AbstractNio2BlobStore.multipartPartName(uploadId, key, MAX_PART_NUMBER) + TEMP_SUFFIX)
                && componentsFit(AbstractNio2BlobStore.multipartPartName(uploadId, key, 0)
                .replaceFirst("-0$", "-stub") + TEMP_SUFFIX);
    }

    private static boolean componentsFit(String name) {
        for (String component : name.split("/")) {
            if (component.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
                return false;
            }
        }
        return true;
    }

    /** The file a key is published to, as the store resolves it; refuses keys no file can hold. */
    private Path target(String bucket, String key) {
        if (bucket == null || bucket.equals(STAGING) || !delegate().containerExists(bucket)) {
            throw S3Exceptions.noSuchBucket(bucket, key);
        }
        for (String reserved : RESERVED_PREFIXES) {
            if (key.startsWith(reserved)) {
                throw S3Exceptions.invalidArgument("The key " + reserved + "... is reserved.");
            }
        }
        if (!componentsFit(key)) {
            throw S3Exceptions.invalidArgument("A component of the key is longer than " + NAME_MAX
                    + " bytes, which this bucket's file system cannot store.");
        }
        Path container = root.resolve(bucket);
        Path target = container.resolve(key).normalize();
        if (!target.startsWith(container) || target.equals(container)) {
            throw S3Exceptions.invalidArgument("The key " + key + " is not a path inside the bucket.");
        }
        return target;
    }

    /**
     * Renames a staged object to its key's file. {@code If-None-Match: *} publishes by linking, which fails if the
     * key exists, as the store itself does; an ETag there is checked just before the rename (the store has no
     * compare-and-swap either).
     */
    private void publish(Path stagedFile, Path target, String ifNoneMatch, String bucket, String key) {
        try {
            Files.createDirectories(target.getParent());
            if ("*".equals(ifNoneMatch)) {
                try {
                    Files.createLink(target, stagedFile);
                } catch (FileAlreadyExistsException e) {
                    throw S3Exceptions.fromStatusCode(412);
                }
                return;
            }
            if (ifNoneMatch != null) {
                var current = delegate().blobMetadataIfPresent(bucket, key);
                if (current != null && current.eTag() != null
                        && unquote(current.eTag()).equals(unquote(ifNoneMatch))) {
                    throw S3Exceptions.fromStatusCode(412);
                }
            }
            Files.move(stagedFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + key + " in bucket " + bucket, e);
        } finally {
            try {
                Files.deleteIfExists(stagedFile);
            } catch (IOException e) {
                LOG.warn("cannot remove staged file {}: {}", stagedFile, e.toString());
            }
        }
    }

    private static String unquote(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
