package dev.regatta.dataplane.server;

import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.node.ControlPlaneSettings;
import dev.regatta.dataplane.sync.ImportSettings;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * All settings of one data-plane process, in one typed place. {@link #defaults(Path)} gives values that
 * work; {@link ConfigLoader} layers a properties file, environment variables and flags over them.
 *
 * @param bindAddress    where the NFS port listens; loopback unless deliberately opened
 * @param nfsPort        NFS v3 and MOUNT v3 share this TCP port; 0 picks a free one
 * @param portmap        also serve portmap v2 on port 111, for clients that insist on asking it
 * @param metricsPort    Prometheus metrics at /metrics; 0 picks a free one, -1 disables
 * @param exportPath     the export clients mount, e.g. /fs-demo (without a control plane)
 * @param s3             the bucket (without a control plane); with one, only the credentials and addressing style
 * @param controlPlane   null: serve the one file system these options describe; otherwise serve what the control
 *                       plane assigns (each file system's bucket, prefix, defaults, flush deadline and cache TTL
 *                       then come from it)
 * @param quietPeriod    a dirty file is uploaded once it has been left alone this long...
 * @param flushDeadline  ...and at the latest this long after its first unsynced change
 * @param revalidateAfter cached listings and attributes are checked against S3 after this long
 * @param cacheTtl       clean cached data leaves after this long unread
 * @param cacheMaxBytes  disk the data cache may use; eviction of clean data starts at the high watermark
 * @param uploadConcurrency uploads (and multipart parts) in flight at once
 * @param imports        how hard listings drive S3: revalidations at once, background HEADs (4 at least, 16 to start
 *                       with, 24 at most), foreground HEADs (16), entries scanned per transaction (512); see
 *                       {@link ImportSettings}. The S3 client's connection pool is sized from them
 *                       ({@link #s3Connections})
 * @param locks          NLM locks: the grace period after a start, the lease, the callback timeout
 * @param replication    how this node replicates file systems: its replication server and, without a control plane,
 *                       its one file system's group; null: it serves every file system alone
 */
public record DataPlaneConfig(
        Path dataDir,
        String bindAddress,
        int nfsPort,
        boolean portmap,
        int metricsPort,
        String exportPath,
        S3 s3,
        Defaults defaults,
        Duration quietPeriod,
        Duration flushDeadline,
        Duration revalidateAfter,
        Duration cacheTtl,
        long cacheMaxBytes,
        double cacheHighWatermark,
        double cacheLowWatermark,
        long multipartThreshold,
        long multipartPartSize,
        int uploadConcurrency,
        ImportSettings imports,
        ControlPlaneSettings controlPlane,
        LockSettings locks,
        ReplicationConfig replication) {

    /**
     * Where the bucket is.
     *
     * @param endpoint null for AWS's regional endpoint; any S3-compatible URL otherwise
     * @param prefix   key prefix under which the file system lives ("" for the whole bucket)
     */
    public record S3(URI endpoint, String region, String accessKey, String secretKey, String bucket, String prefix,
                     boolean pathStyle) {
    }

    /** Attributes of objects that carry none (written by other tools). */
    public record Defaults(int uid, int gid, int fileMode, int directoryMode) {
    }

    public static DataPlaneConfig defaults(Path dataDir) {
        return new DataPlaneConfig(
                dataDir,
                "127.0.0.1",
                2049,
                false,
                0,
                "/fs-demo",
                new S3(null, "us-east-1", null, null, "demo", "", true),
                new Defaults(0, 0, 0644, 0755),
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                10L << 30,
                0.90,
                0.70,
                16L << 20,
                8L << 20,
                8,
                ImportSettings.DEFAULTS,
                null,
                LockSettings.DEFAULTS,
                null);
    }

    public DataPlaneConfig withS3(S3 s3) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withNfs(String bindAddress, int nfsPort, boolean portmap) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withMetricsPort(int metricsPort) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withExportPath(String exportPath) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withTimings(Duration quietPeriod, Duration flushDeadline, Duration revalidateAfter) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withCache(Duration cacheTtl, long cacheMaxBytes, double high, double low) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, high, low,
                multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane, locks,
                replication);
    }

    public DataPlaneConfig withControlPlane(ControlPlaneSettings controlPlane) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withLocks(LockSettings locks) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    /** How this node replicates, or null to serve every file system alone. */
    public DataPlaneConfig withReplication(ReplicationConfig replication) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    public DataPlaneConfig withMultipart(long threshold, long partSize) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, threshold, partSize, uploadConcurrency, imports, controlPlane, locks,
                replication);
    }

    public DataPlaneConfig withImports(ImportSettings imports) {
        return new DataPlaneConfig(dataDir, bindAddress, nfsPort, portmap, metricsPort, exportPath, s3, defaults,
                quietPeriod, flushDeadline, revalidateAfter, cacheTtl, cacheMaxBytes, cacheHighWatermark,
                cacheLowWatermark, multipartThreshold, multipartPartSize, uploadConcurrency, imports, controlPlane,
                locks, replication);
    }

    /**
     * Connections of the S3 client's pool (shared by the file systems on one endpoint): room for the background
     * HEADs at their most and the uploads, 32 with the defaults. A smaller pool would cap the HEADs below their
     * ceiling and make reads and uploads queue behind a large listing's HEADs.
     */
    public int s3Connections() {
        return imports.headMaxConcurrency() + uploadConcurrency;
    }
}
