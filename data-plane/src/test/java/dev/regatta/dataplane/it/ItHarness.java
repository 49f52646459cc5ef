package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsCreateMode;
import com.emc.ecs.nfsclient.nfs.NfsDirectoryEntry;
import com.emc.ecs.nfsclient.nfs.NfsReaddirResponse;
import com.emc.ecs.nfsclient.nfs.NfsException;
import com.emc.ecs.nfsclient.nfs.NfsGetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsReadResponse;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.NfsWriteResponse;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One S3 endpoint (S3Proxy, in memory or on disk), one bucket, at most one data plane serving it over NFS (portmap on
 * 111, so only one at a time in the whole JVM), an NFS client mounted on it, and a raw S3 client to look at the bucket
 * behind the file system's back.
 */
final class ItHarness implements AutoCloseable {

    static final String ACCESS_KEY = "it-access-key";
    static final String SECRET_KEY = "it-secret-key-0123456789";
    static final String BUCKET = "regatta-it";
    static final String EXPORT = "/fs-demo";
    static final Duration QUIET = Duration.ofSeconds(1);
    static final Duration REVALIDATE = Duration.ofSeconds(2);
    static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(60);
    /** Bytes per WRITE/READ call; the client library's request buffers are small, keep calls modest. */
    static final int IO_CHUNK = 32 * 1024;

    final LocalS3Endpoint s3;
    final S3Client bucket;
    private final UnaryOperator<DataPlaneConfig> tweak;
    private DataPlane plane;
    private Nfs3 nfs;
    private Path dataDir;

    private ItHarness(LocalS3Endpoint s3, UnaryOperator<DataPlaneConfig> tweak) {
        this.s3 = s3;
        this.tweak = tweak;
        s3.createBucket(BUCKET);
        this.bucket = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
    }

    static ItHarness inMemory(UnaryOperator<DataPlaneConfig> tweak) {
        return new ItHarness(LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY), tweak);
    }

    static ItHarness onDisk(Path s3Dir, UnaryOperator<DataPlaneConfig> tweak) {
        return new ItHarness(LocalS3Endpoint.startFilesystem(s3Dir, 0, ACCESS_KEY, SECRET_KEY), tweak);
    }

    DataPlaneConfig config(Path dataDir) {
        DataPlaneConfig c = DataPlaneConfig.defaults(dataDir)
                .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, BUCKET, "", true))
                .withNfs("127.0.0.1", 0, true)
                .withMetricsPort(-1)
                .withTimings(QUIET, Duration.ofSeconds(30), REVALIDATE);
        return tweak.apply(c);
    }

    /** Starts a data plane on {@code dataDir} (stopping any running one) and mounts it. */
    ItHarness start(Path dataDir) throws IOException {
        stopPlane();
        this.dataDir = dataDir;
        this.plane = DataPlane.start(config(dataDir));
        this.nfs = new Nfs3("127.0.0.1", EXPORT, new CredentialUnix(0, 0, null), 3);
        return this;
    }

    /** Mounts a data plane that runs elsewhere (a child process) and registered with portmap on 111. */
    ItHarness mountExternal() throws IOException {
        this.nfs = new Nfs3("127.0.0.1", EXPORT, new CredentialUnix(0, 0, null), 3);
        return this;
    }

    /** Orderly restart on the same data dir. */
    ItHarness restart() throws IOException {
        Path dir = dataDir;
        stopPlane();
        return start(dir);
    }

    void stopPlane() {
        nfs = null;
        if (plane != null) {
            plane.close();
            plane = null;
        }
    }

    DataPlane plane() {
        return plane;
    }

    Nfs3 nfs() {
        return nfs;
    }

    Path dataDir() {
        return dataDir;
    }

    void flush() throws InterruptedException {
        assertThat(plane.flush(FLUSH_TIMEOUT)).as("write-back queue drained within %s", FLUSH_TIMEOUT).isTrue();
    }

    @Override
    public void close() {
        stopPlane();
        bucket.close();
        s3.close();
    }

    // ---------------------------------------------------------------- NFS side

    Nfs3File file(String path) throws IOException {
        return nfs.newFile(path);
    }

    void mkdir(String path) throws IOException {
        file(path).mkdir(new NfsSetAttributes(0755L, null, null, null, null, null));
    }

    Nfs3File create(String path) throws IOException {
        Nfs3File f = file(path);
        f.create(NfsCreateMode.UNCHECKED, new NfsSetAttributes(0644L, null, null, null, null, null), null);
        return f;
    }

    /** WRITE calls of at most {@link #IO_CHUNK} bytes, stable as given; returns the bytes the server acknowledged. */
    static long write(Nfs3File f, long offset, byte[] data, int off, int len, int stable) throws IOException {
        long done = 0;
        while (done < len) {
            int n = (int) Math.min(IO_CHUNK, len - done);
            NfsWriteResponse r = f.write(offset + done,
                    new ArrayList<>(List.of(ByteBuffer.wrap(data, (int) (off + done), n))), stable);
            assertThat(r.getCount()).as("WRITE count").isPositive();
            if (stable == NfsWriteRequest.FILE_SYNC) {
                assertThat(r.getCommitted()).as("committed level of a FILE_SYNC write")
                        .isEqualTo(NfsWriteRequest.FILE_SYNC);
            }
            done += r.getCount();
        }
        return done;
    }

    static void write(Nfs3File f, long offset, byte[] data) throws IOException {
        write(f, offset, data, 0, data.length, NfsWriteRequest.FILE_SYNC);
    }

    void writeFile(String path, byte[] data) throws IOException {
        Nfs3File f = create(path);
        write(f, 0, data);
    }

    static byte[] read(Nfs3File f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[IO_CHUNK];
        long offset = 0;
        while (true) {
            NfsReadResponse r = f.read(offset, IO_CHUNK, buf, 0);
            int n = r.getBytesRead();
            out.write(buf, 0, n);
            offset += n;
            if (r.isEof() || n == 0) {
                return out.toByteArray();
            }
        }
    }

    byte[] readFile(String path) throws IOException {
        return read(file(path));
    }

    /** SHA-256 of a file read through NFS, streamed (for big files). */
    String sha256Nfs(String path) throws IOException {
        Nfs3File f = file(path);
        MessageDigest md = sha();
        byte[] buf = new byte[IO_CHUNK];
        long offset = 0;
        while (true) {
            NfsReadResponse r = f.read(offset, IO_CHUNK, buf, 0);
            int n = r.getBytesRead();
            md.update(buf, 0, n);
            offset += n;
            if (r.isEof() || n == 0) {
                return HexFormat.of().formatHex(md.digest());
            }
        }
    }

    NfsGetAttributes attrs(String path) throws IOException {
        return file(path).getAttributes();
    }

    /** READDIR paged by this harness (count 8 KiB), so that a lost entry cannot be blamed on the client library. */
    List<String> list(String dir) throws IOException {
        return list(dir, 8192);
    }

    List<String> list(String dir, int count) throws IOException {
        byte[] fh = file(dir).getFileHandle();
        List<String> names = new ArrayList<>();
        long cookie = 0;
        long verifier = 0;
        for (int page = 0; page < 100_000; page++) {
            NfsReaddirResponse r = nfs.wrapped_getReaddir(nfs.makeReaddirRequest(fh, cookie, verifier, count));
            for (NfsDirectoryEntry e : r.getEntries()) {
                names.add(e.getFileName());
            }
            if (r.isEof()) {
                break;
            }
            assertThat(r.getEntries()).as("a READDIR page that is not the last one has entries").isNotEmpty();
            cookie = r.getCookie();
            verifier = r.getCookieverf();
        }
        names.removeAll(List.of(".", ".."));
        Collections.sort(names);
        return names;
    }

    boolean exists(String path) throws IOException {
        try {
            return file(path).exists();
        } catch (NfsException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- S3 side

    byte[] objectBytes(String key) {
        return bucket.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    HeadObjectResponse head(String key) {
        return bucket.headObject(b -> b.bucket(BUCKET).key(key));
    }

    boolean objectExists(String key) {
        try {
            head(key);
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    Set<String> keys(String prefix) {
        Set<String> keys = new TreeSet<>();
        bucket.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).forEach(keys::add);
        return keys;
    }

    void putObject(String key, byte[] data, Map<String, String> metadata) {
        bucket.putObject(b -> b.bucket(BUCKET).key(key).metadata(metadata), RequestBody.fromBytes(data));
    }

    void deleteObject(String key) {
        bucket.deleteObject(b -> b.bucket(BUCKET).key(key));
    }

    // ---------------------------------------------------------------- misc

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha().digest(data));
    }

    /** Sum of the samples of a Prometheus metric whose labels contain all given {@code label="value"} pairs. */
    static double metric(String scrape, String name, String... labels) {
        double sum = 0;
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})?\\s+(\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(scrape);
        while (m.find()) {
            String l = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String want : labels) {
                all &= l.contains(want);
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /** Polls until the check passes or the timeout ends; rethrows the last failure. */
    static void eventually(Duration timeout, ThrowingRunnable check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (Exception | AssertionError e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
