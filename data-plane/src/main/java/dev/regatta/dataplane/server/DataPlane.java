package dev.regatta.dataplane.server;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.nfs.NfsServer;
import dev.regatta.dataplane.s3.S3ObjectStore;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** A running data-plane node: the bucket's file system behind the NFS server, and the metrics endpoint. */
public final class DataPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);

    private final S3ObjectStore objects;
    private final FileSystemInstance instance;
    private final NfsServer nfs;
    private final MetricsEndpoint metricsEndpoint;
    private final PrometheusMeterRegistry metrics;

    private DataPlane(DataPlaneConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        DataPlaneConfig.S3 s3 = config.s3();
        this.objects = S3ObjectStore.create(s3.endpoint(), s3.region(), s3.accessKey(), s3.secretKey(), s3.bucket(),
                s3.pathStyle(), metrics);
        String name = config.exportPath().replaceAll("^/+", "").replace('/', '_');
        this.instance = new FileSystemInstance(config.dataDir().resolve("fs").resolve(name), config, objects, 1,
                metrics);
        ExportTable.Export export = new ExportTable.Export(0, config.exportPath(), instance.fileSystem());
        ExportTable exports = new ExportTable() {
            @Override
            public Optional<Export> byPath(String path) {
                return export.path().equals(path) ? Optional.of(export) : Optional.empty();
            }

            @Override
            public Optional<Export> byIndex(int index) {
                return index == 0 ? Optional.of(export) : Optional.empty();
            }

            @Override
            public Collection<Export> all() {
                return List.of(export);
            }
        };
        this.nfs = NfsServer.start(exports, handleKey(config.dataDir()), metrics, config.bindAddress(),
                config.nfsPort(), config.portmap());
        this.metricsEndpoint = config.metricsPort() < 0 ? null
                : MetricsEndpoint.start(config.bindAddress(), config.metricsPort(), metrics);
        log.info("serving s3 bucket '{}' (prefix '{}') as {} on {}:{}", s3.bucket(), s3.prefix(),
                config.exportPath(), config.bindAddress(), nfs.port());
    }

    public static DataPlane start(DataPlaneConfig config) throws IOException {
        return new DataPlane(config);
    }

    public int nfsPort() {
        return nfs.port();
    }

    /** The metrics port, or -1 when disabled. */
    public int metricsPort() {
        return metricsEndpoint == null ? -1 : metricsEndpoint.port();
    }

    public String scrapeMetrics() {
        return metrics.scrape();
    }

    public FileSystemInstance fileSystem() {
        return instance;
    }

    /**
     * File handles carry a MAC under this node's key, so that they survive restarts but cannot be forged; the key
     * is made once and kept in the data directory, readable by the owner only.
     */
    private static byte[] handleKey(Path dataDir) throws IOException {
        Path file = dataDir.resolve("handle.key");
        if (Files.exists(file)) {
            return Files.readAllBytes(file);
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = dataDir.resolve("handle.key.tmp");
        Files.write(tmp, key);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    @Override
    public void close() {
        nfs.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        instance.close();
        objects.close();
    }

    /** Waits until every change is in S3 (for an orderly shutdown or a test). */
    public boolean flush(Duration timeout) throws InterruptedException {
        return instance.flush(timeout);
    }
}
