package dev.regatta.controlplane.filesystem;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.Objects;

import static dev.regatta.controlplane.filesystem.FileSystemSettings.*;

/**
 * A new file system. Only name, bucket and region are required; modes are the decimal value of the octal mode
 * (420 is 0644).
 *
 * @param replicas how many nodes serve it; null: {@code regatta.replication.default-replicas}
 */
public record CreateFileSystemRequest(
        @NotBlank(message = "is required") @Size(max = 128) @Pattern(regexp = "\\P{Cntrl}*",
                message = "must not contain control characters") String name,
        @NotNull(message = "is required") @BucketName String bucket,
        @NotNull(message = "is required") @Size(max = 64) @Pattern(regexp = REGION_PATTERN,
                message = "must be an AWS region name such as us-east-1") String region,
        @S3Endpoint String endpoint,
        @KeyPrefix String keyPrefix,
        @Min(0) @Max(MAX_ID) Long defaultUid,
        @Min(0) @Max(MAX_ID) Long defaultGid,
        @Min(0) @Max(value = MAX_MODE, message = "must be a mode from 0 to 4095 (07777)") Integer defaultFileMode,
        @Min(0) @Max(value = MAX_MODE, message = "must be a mode from 0 to 4095 (07777)") Integer defaultDirMode,
        @Min(1) @Max(MAX_FLUSH_DELAY_SECONDS) Integer flushDelaySeconds,
        @Min(1) @Max(MAX_CACHE_TTL_SECONDS) Integer cacheTtlSeconds,
        @Replicas Integer replicas) {

    FileSystemSettings settings() {
        return new FileSystemSettings(name.strip(), bucket, region, endpointOrNull(endpoint),
                KeyPrefix.Validator.normalise(keyPrefix), Objects.requireNonNullElse(defaultUid, 0L),
                Objects.requireNonNullElse(defaultGid, 0L),
                Objects.requireNonNullElse(defaultFileMode, DEFAULT_FILE_MODE),
                Objects.requireNonNullElse(defaultDirMode, DEFAULT_DIR_MODE),
                Objects.requireNonNullElse(flushDelaySeconds, DEFAULT_FLUSH_DELAY_SECONDS),
                Objects.requireNonNullElse(cacheTtlSeconds, DEFAULT_CACHE_TTL_SECONDS));
    }
}
