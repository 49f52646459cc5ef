package dev.regatta.controlplane.token;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Admin API tokens: random secrets of which only the SHA-256 is kept, so a token is found by the hash of what the
 * caller presents (a comparison that leaks nothing about the secret through its timing).
 */
@Service
public class ApiTokens {

    private static final Logger LOG = LoggerFactory.getLogger(ApiTokens.class);
    private static final String PREFIX = "rgt_";
    /** lastUsedAt is kept to this precision, so that a busy client does not write on every request. */
    private static final Duration USE_RECORDING_INTERVAL = Duration.ofMinutes(1);

    private final ApiTokenRepository tokens;

    public ApiTokens(ApiTokenRepository tokens) {
        this.tokens = tokens;
    }

    public CreatedApiToken create(String name) {
        String secret = Secrets.newSecret(PREFIX);
        String id = Ids.newId("token");
        Instant now = Instant.now();
        tokens.insert(id, name.strip(), Secrets.sha256(secret), now);
        LOG.info("admin API token {} ('{}') created", id, name.strip());
        return new CreatedApiToken(id, name.strip(), secret, now);
    }

    public List<ApiToken> list() {
        return tokens.list();
    }

    /** The unrevoked token with this secret, if any. */
    public Optional<ApiToken> authenticate(String secret) {
        Optional<ApiToken> token = tokens.findByHash(Secrets.sha256(secret)).filter(t -> !t.revoked());
        token.ifPresent(t -> {
            Instant now = Instant.now();
            if (t.lastUsedAt() == null || t.lastUsedAt().isBefore(now.minus(USE_RECORDING_INTERVAL))) {
                tokens.markUsed(t.id(), now);
            }
        });
        return token;
    }

    /** @return whether the token exists */
    public boolean revoke(String id) {
        boolean found = tokens.revoke(id, Instant.now());
        if (found) {
            LOG.info("admin API token {} revoked", id);
        }
        return found;
    }

    /**
     * Makes sure a token with this secret exists (the deployment's configured initial token). One revoked since
     * stays revoked: an admin revoked it on purpose.
     */
    public void ensureExists(String secret, String name) {
        byte[] hash = Secrets.sha256(secret);
        if (tokens.insertIfAbsent(Ids.newId("token"), name, hash, Instant.now())) {
            LOG.info("the configured initial admin API token (regatta.admin.initial-token) was added as '{}'", name);
        } else if (tokens.findByHash(hash).map(ApiToken::revoked).orElse(false)) {
            LOG.warn("the configured initial admin API token (regatta.admin.initial-token) was revoked and does not "
                    + "authenticate; remove the setting or choose another secret");
        }
    }
}
