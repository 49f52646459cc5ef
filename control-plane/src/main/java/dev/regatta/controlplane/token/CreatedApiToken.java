package dev.regatta.controlplane.token;

import java.time.Instant;

/** @param token the secret, for {@code Authorization: Bearer}; shown in this answer only */
public record CreatedApiToken(String id, String name, String token, Instant createdAt) {
}
