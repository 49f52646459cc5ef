package dev.regatta.dataplane.server;

import dev.regatta.dataplane.meta.Replication;

import java.net.URI;
import java.time.Duration;

/**
 * What differs between the file systems one node serves. The rest (credentials, cache size, sync timings) is the
 * node's, in {@link DataPlaneConfig}. A change of any of these means the file system is restarted.
 *
 * @param id            names the file system's state directory, {@code <data-dir>/fs/<id>/}, and its export index
 * @param exportPath    what clients mount
 * @param endpoint      null for AWS's regional endpoint
 * @param keyPrefix     the file system lives under this prefix ("" for the whole bucket)
 * @param flushDeadline a changed file is uploaded at the latest this long after its first change
 * @param cacheTtl      clean cached data leaves after this long unread
 * @param replication   the file system's replication group and this node's place in it, or null when this node
 *                      serves it alone
 */
public record FileSystemSettings(String id, String exportPath, URI endpoint, String region, String bucket,
                                 String keyPrefix, DataPlaneConfig.Defaults defaults, Duration flushDeadline,
                                 Duration cacheTtl, Replication replication) {

    /** The same settings with another replication group (or none). */
    FileSystemSettings withReplication(Replication group) {
        return new FileSystemSettings(id, exportPath, endpoint, region, bucket, keyPrefix, defaults, flushDeadline,
                cacheTtl, group);
    }

    /** The one file system of a node without a control plane, as its options describe it. */
    static FileSystemSettings of(DataPlaneConfig config) {
        String path = config.exportPath();
        DataPlaneConfig.S3 s3 = config.s3();
        String id = path.replaceAll("^/+", "").replace('/', '_');
        ReplicationConfig replication = config.replication();
        return new FileSystemSettings(id, path, s3.endpoint(), s3.region(), s3.bucket(), s3.prefix(),
                config.defaults(), config.flushDeadline(), config.cacheTtl(),
                replication == null || replication.members().isEmpty() ? null
                        : new Replication(id, replication.members()));
    }
}
