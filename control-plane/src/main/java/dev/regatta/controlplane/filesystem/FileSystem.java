package dev.regatta.controlplane.filesystem;

import java.time.Instant;

/**
 * A file system: a bucket (and key prefix) served over NFS, with the attributes objects without metadata get.
 *
 * @param endpoint null for AWS's endpoint of {@code region}; any S3-compatible endpoint otherwise
 * @param nodeId   the data-plane node serving it, or null while none is assigned
 */
public record FileSystem(String id, String name, String bucket, String region, String endpoint, String keyPrefix,
                         long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                         int flushDelaySeconds, int cacheTtlSeconds, String nodeId, Instant createdAt,
                         Instant updatedAt) {
}
