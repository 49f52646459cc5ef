package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.s3.AttributeCodec;
import dev.regatta.dataplane.s3.KeyCodec;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.S3ObjectStore;
import dev.regatta.dataplane.sync.Importer;
import dev.regatta.dataplane.sync.SyncEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The parts of one file system wired by hand, like FileSystemInstance does, over an in-memory S3 endpoint
 * shared by a test class; every rig gets its own bucket and meter registry.
 */
public final class FsTestRig implements AutoCloseable {

    public static final String ACCESS_KEY = "rig-access";
    public static final String SECRET_KEY = "rig-secret-key";
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    public final LocalS3Endpoint endpoint;
    public final String bucket;
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    public final S3ObjectStore objects;
    /** What the file system, importer and sync engine use: {@link #objects}, possibly decorated. */
    public final ObjectStore view;
    public final S3Client raw;
    public final MetadataStore store;
    public final DataCache cache;
    public final KeyCodec keys = new KeyCodec("");
    public final AttributeCodec codec = new AttributeCodec(0, 0, 0644, 0755);
    public final Importer importer;
    public final RegattaFileSystem fs;
    public SyncEngine sync;
    private final Path dir;

    public FsTestRig(LocalS3Endpoint endpoint, Path dir, Duration revalidateAfter, boolean readOnly) {
        this(endpoint, dir, revalidateAfter, readOnly, UnaryOperator.identity());
    }

    /** @param decorate wraps the S3 object store the file system sees (e.g. to add keys S3Proxy cannot hold) */
    public FsTestRig(LocalS3Endpoint endpoint, Path dir, Duration revalidateAfter, boolean readOnly,
                     UnaryOperator<ObjectStore> decorate) {
        this.endpoint = endpoint;
        this.dir = dir;
        this.bucket = "rig-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        endpoint.createBucket(bucket);
        this.objects = S3ObjectStore.create(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, bucket, true,
                metrics);
        this.raw = S3ObjectStore.buildClient(endpoint.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
        this.store = MetadataStore.open(dir.resolve("meta"));
        this.cache = new DataCache(dir.resolve("cache"));
        this.view = decorate.apply(objects);
        this.importer = new Importer(store, view, keys, codec, cache, revalidateAfter, metrics);
        this.fs = new RegattaFileSystem(store, cache, view, importer, 7, readOnly, metrics);
    }

    public static LocalS3Endpoint startEndpoint() {
        return LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
    }

    public SyncEngine startSync(Duration quiet, Duration deadline, long multipartThreshold, long partSize) {
        sync = new SyncEngine(store, cache, view, keys, codec, dir, quiet, deadline, multipartThreshold,
                partSize, 4, metrics);
        sync.start();
        return sync;
    }

    public double requests(String type) {
        return metrics.counter(S3ObjectStore.REQUESTS_METRIC, "type", type).count();
    }

    public void putObject(String key, String content, Map<String, String> metadata) {
        putObject(key, content.getBytes(StandardCharsets.UTF_8), metadata);
    }

    public void putObject(String key, byte[] content, Map<String, String> metadata) {
        raw.putObject(b -> b.bucket(bucket).key(key).metadata(metadata), RequestBody.fromBytes(content));
    }

    public byte[] getObject(String key) {
        return raw.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    public boolean exists(String key) {
        try {
            raw.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    public Map<String, String> metadata(String key) {
        return raw.headObject(b -> b.bucket(bucket).key(key)).metadata();
    }

    public void deleteObject(String key) {
        raw.deleteObject(b -> b.bucket(bucket).key(key));
    }

    // ------------------------------------------------------------------ file system shortcuts

    public long create(long dirId, String name) throws FsException {
        return fs.create(Caller.ROOT, dirId, name, CreateMode.GUARDED, SetAttributes.NONE, 0).fileId();
    }

    public long mkdir(long dirId, String name) throws FsException {
        return fs.mkdir(Caller.ROOT, dirId, name, SetAttributes.NONE).fileId();
    }

    public void write(long id, long offset, byte[] data) throws FsException {
        fs.write(Caller.ROOT, id, offset, ByteBuffer.wrap(data), Stability.FILE_SYNC);
    }

    public void write(long id, long offset, String data) throws FsException {
        write(id, offset, data.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] read(long id, long offset, int count) throws FsException {
        Results.Read r = fs.read(Caller.ROOT, id, offset, count);
        byte[] out = new byte[r.data().remaining()];
        r.data().get(out);
        r.release();
        return out;
    }

    public String readString(long id) throws FsException {
        return new String(read(id, 0, (int) fs.getattr(id).size()), StandardCharsets.UTF_8);
    }

    public long lookup(long dirId, String name) throws FsException {
        return fs.lookup(Caller.ROOT, dirId, name).fileId();
    }

    /** Every name a directory lists, "." and ".." included. */
    public List<String> names(long dirId) throws FsException {
        List<String> all = new ArrayList<>();
        for (Results.DirEntry e : fs.readdir(Caller.ROOT, dirId, 0, 0, 10_000, false).entries()) {
            all.add(e.name());
        }
        return all;
    }

    @Override
    public void close() {
        if (sync != null) {
            sync.close();
        }
        importer.close();
        cache.close();
        store.close();
        objects.close();
        raw.close();
    }
}
