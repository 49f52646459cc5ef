package dev.regatta.controlplane.grant;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * @param principal  a 12-digit account ID, or an IAM role or user ARN
 * @param access     READ_WRITE when absent
 * @param rootSquash map the client's root to nobody; false when absent
 */
public record CreateGrantRequest(@NotBlank(message = "is required: a 12-digit account ID or an IAM role or user ARN")
                                 @Size(max = 2048) String principal, AccessLevel access, Boolean rootSquash) {
}
