package dev.regatta.controlplane.filesystem;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.Objects;

import static dev.regatta.controlplane.filesystem.FileSystemSettings.*;

/**
 * A partial update: an absent or null field keeps its value. An empty endpoint returns to AWS's endpoint and an
 * empty key prefix serves the whole bucket.
 *
 * @param replicas accepted only as the value the file system has: a group does not grow or shrink yet (a script
 *                 may send back what it read)
 */
public record UpdateFileSystemRequest(
        @Size(max = 128) @Pattern(regexp = "(?s).*\\S.*", message = "must not be blank") @Pattern(
                regexp = "\\P{Cntrl}*", message = "must not contain control characters") String name,
        @BucketName String bucket,
        @Size(max = 64) @Pattern(regexp = REGION_PATTERN, message = "must be an AWS region name such as us-east-1")
        String region,
        @S3Endpoint String endpoint,
        @KeyPrefix String keyPrefix,
        @Min(0) @Max(MAX_ID) Long defaultUid,
        @Min(0) @Max(MAX_ID) Long defaultGid,
        @Min(0) @Max(value = MAX_MODE, message = "must be a mode from 0 to 4095 (07777)") Integer defaultFileMode,
        @Min(0) @Max(value = MAX_MODE, message = "must be a mode from 0 to 4095 (07777)") Integer defaultDirMode,
        @Min(1) @Max(MAX_FLUSH_DELAY_SECONDS) Integer flushDelaySeconds,
        @Min(1) @Max(MAX_CACHE_TTL_SECONDS) Integer cacheTtlSeconds,
        @Replicas Integer replicas) {

    FileSystemSettings applyTo(FileSystemSettings current) {
        return new FileSystemSettings(
                name == null ? current.name() : name.strip(),
                Objects.requireNonNullElse(bucket, current.bucket()),
                Objects.requireNonNullElse(region, current.region()),
                endpoint == null ? current.endpoint() : endpointOrNull(endpoint),
                keyPrefix == null ? current.keyPrefix() : KeyPrefix.Validator.normalise(keyPrefix),
                Objects.requireNonNullElse(defaultUid, current.defaultUid()),
                Objects.requireNonNullElse(defaultGid, current.defaultGid()),
                Objects.requireNonNullElse(defaultFileMode, current.defaultFileMode()),
                Objects.requireNonNullElse(defaultDirMode, current.defaultDirMode()),
                Objects.requireNonNullElse(flushDelaySeconds, current.flushDelaySeconds()),
                Objects.requireNonNullElse(cacheTtlSeconds, current.cacheTtlSeconds()));
    }
}
