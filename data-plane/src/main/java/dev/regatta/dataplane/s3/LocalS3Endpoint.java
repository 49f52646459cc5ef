package dev.regatta.dataplane.s3;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An S3 endpoint inside this JVM: S3Proxy serving a bucket from a local directory (the embedded default) or
 * from memory (tests). Listens on 127.0.0.1 only.
 *
 * <p>{@link #stop()} and {@link #restart()} take the endpoint off the network and bring it back on the same port
 * with the same data, which is how tests simulate an S3 outage.
 */
public final class LocalS3Endpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalS3Endpoint.class);
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final BlobStore blobStore;
    private final String description;
    private final String accessKey;
    private final String secretKey;
    private int port;
    private S3Proxy proxy;
    private boolean closed;

    private LocalS3Endpoint(BlobStore blobStore, String description, int port, String accessKey, String secretKey) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        this.blobStore = blobStore;
        this.description = description;
        this.port = port;
        this.accessKey = Objects.requireNonNull(accessKey, "accessKey");
        this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
    }

    /**
     * Serves buckets stored as directories under {@code baseDir} (created if missing); objects are plain files at
     * their keys' paths, metadata lives in extended attributes. Any key whose components fit the file system's
     * 255-byte names is stored, see {@link LongNameBlobStore}.
     *
     * @param port 0 picks a free port, kept across {@link #restart()}
     */
    public static LocalS3Endpoint startFilesystem(Path baseDir, int port, String accessKey, String secretKey) {
        try {
            Files.createDirectories(baseDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + baseDir, e);
        }
        String dir = baseDir.toAbsolutePath().toString();
        LocalS3Endpoint endpoint = new LocalS3Endpoint(LongNameBlobStore.over(Path.of(dir)), "filesystem " + dir,
                port, accessKey, secretKey);
        endpoint.start();
        return endpoint;
    }

    /** Serves buckets held in memory; the data survives {@link #stop()}/{@link #restart()} but not {@link #close()}. */
    public static LocalS3Endpoint startInMemory(int port, String accessKey, String secretKey) {
        LocalS3Endpoint endpoint = new LocalS3Endpoint(new TransientNio2BlobStore(), "in-memory", port, accessKey,
                secretKey);
        endpoint.start();
        return endpoint;
    }

    /** {@code http://127.0.0.1:port} (use path-style addressing). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public synchronized int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Whether requests are being served. */
    public synchronized boolean running() {
        return proxy != null;
    }

    /** Whether S3 would take {@code name} for a bucket: 3 to 63 lowercase letters, digits, dots and hyphens. */
    public static boolean validBucketName(String name) {
        return name != null && BUCKET_NAME.matcher(name).matches() && !name.contains("..");
    }

    /**
     * Creates the bucket unless it exists. Works while stopped too (it talks to the store directly).
     *
     * @throws IllegalArgumentException for a name S3 would reject (S3Proxy's store accepts e.g. "b", but its S3
     *                                  front end then answers NoSuchBucket for it)
     */
    public synchronized void createBucket(String name) {
        checkOpen();
        if (!validBucketName(name)) {
            throw new IllegalArgumentException("invalid S3 bucket name: " + name);
        }
        if (!blobStore.containerExists(name)) {
            blobStore.createContainer(name);
        }
    }

    /** Stops serving: connections are refused until {@link #restart()}. Stopping twice is harmless. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            // Jetty reports a graceful-stop timeout (idle keep-alive connections) after stopping anyway.
            if (!"STOPPED".equals(proxy.getState())) {
                throw new IllegalStateException("cannot stop S3Proxy on port " + port, e);
            }
            LOG.debug("S3Proxy on port {} stopped with {}", port, e.toString());
        } finally {
            proxy = null;
        }
        LOG.info("local S3 endpoint on port {} stopped", port);
    }

    /** Serves again on the same port with the same data (stopping first if running). */
    public synchronized void restart() {
        checkOpen();
        stop();
        start();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            blobStore.close();
        }
    }

    private synchronized void start() {
        checkOpen();
        // Port 0 resolves once; later restarts rebind the port we got.
        URI uri = URI.create("http://127.0.0.1:" + port);
        S3Proxy p = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(uri)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                // No graceful drain: clients hold idle keep-alive connections, and stop() should look like an
                // outage to them (connections cut, new ones refused) rather than wait.
                .stopTimeout(0)
                .build();
        try {
            p.start();
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
            while (!"STARTED".equals(p.getState())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start within " + START_TIMEOUT_MILLIS
                            + " ms (state " + p.getState() + ")");
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            try {
                p.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot start S3Proxy (" + description + ") on " + uri, e);
        }
        port = p.getPort();
        proxy = p;
        LOG.info("local S3 endpoint ({}) serving on {}", description, endpoint());
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
    }

    @Override
    public String toString() {
        return "LocalS3Endpoint[" + description + ", " + endpoint() + "]";
    }
}
