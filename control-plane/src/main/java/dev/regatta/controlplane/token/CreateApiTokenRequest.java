package dev.regatta.controlplane.token;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** @param name what the token is for (who holds it), so that it can be found and revoked later */
public record CreateApiTokenRequest(@NotBlank(message = "is required") @Size(max = 128) @Pattern(regexp = "\\P{Cntrl}*",
        message = "must not contain control characters") String name) {
}
