package dev.regatta.controlplane.filesystem;

import java.util.Objects;

/**
 * What an admin chooses for a file system, complete and normalised: the S3 location, the attributes of objects
 * without metadata, and the timings of its cache.
 *
 * @param endpoint  null for AWS's endpoint of {@code region}
 * @param keyPrefix normalised by {@link KeyPrefix#normalise}
 */
public record FileSystemSettings(String name, String bucket, String region, String endpoint, String keyPrefix,
                                 long defaultUid, long defaultGid, int defaultFileMode, int defaultDirMode,
                                 int flushDelaySeconds, int cacheTtlSeconds) {

    public static final long MAX_ID = 4294967295L;
    public static final int MAX_MODE = 07777;
    public static final int DEFAULT_FILE_MODE = 0644;
    public static final int DEFAULT_DIR_MODE = 0755;
    public static final int DEFAULT_FLUSH_DELAY_SECONDS = 300;
    public static final int MAX_FLUSH_DELAY_SECONDS = 86_400;
    public static final int DEFAULT_CACHE_TTL_SECONDS = 3600;
    public static final int MAX_CACHE_TTL_SECONDS = 604_800;
    public static final String REGION_PATTERN = "[a-z]{2}(-[a-z]+)+-\\d{1,2}";

    /** Whether both name the same data: bucket, region, endpoint and the prefix within the bucket. */
    public boolean sameLocationAs(FileSystemSettings other) {
        return bucket.equals(other.bucket) && region.equals(other.region)
                && Objects.equals(endpoint, other.endpoint) && keyPrefix.equals(other.keyPrefix);
    }

    static FileSystemSettings of(FileSystem fs) {
        return new FileSystemSettings(fs.name(), fs.bucket(), fs.region(), fs.endpoint(), fs.keyPrefix(),
                fs.defaultUid(), fs.defaultGid(), fs.defaultFileMode(), fs.defaultDirMode(),
                fs.flushDelaySeconds(), fs.cacheTtlSeconds());
    }

    /** An empty endpoint means AWS's, stored as null. */
    static String endpointOrNull(String endpoint) {
        return endpoint == null || endpoint.isBlank() ? null : endpoint;
    }
}
