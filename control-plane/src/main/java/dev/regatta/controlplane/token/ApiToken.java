package dev.regatta.controlplane.token;

import java.time.Instant;

/**
 * An admin API token as listed: never its secret, which only its creator saw.
 *
 * @param lastUsedAt to the minute; null if never used
 * @param revokedAt  null while it authenticates
 */
public record ApiToken(String id, String name, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {

    public boolean revoked() {
        return revokedAt != null;
    }
}
