package dev.regatta.controlplane.filesystem;

import java.time.Instant;

/**
 * A file system: a bucket (and key prefix) served over NFS, with the attributes objects without metadata get. Which
 * nodes serve it is its {@link ReplicationGroup}.
 *
 * @param endpoint null for AWS's endpoint of {@code region}; any S3-compatible endpoint otherwise
 * @param replicas how many nodes serve it: 1, 3 or 5; fixed at creation
 */
public record FileSystem(String id, String name, String bucket, String region, String endpoint, String keyPrefix,
                         long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                         int flushDelaySeconds, int cacheTtlSeconds, int replicas, Instant createdAt,
                         Instant updatedAt) {
}
