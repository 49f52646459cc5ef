package dev.regatta.controlplane.token;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** On start, the token of {@code regatta.admin.initial-token}, so that a fresh deployment can be administered. */
@Component
class InitialAdminToken implements ApplicationRunner {

    static final String NAME = "initial admin token";

    private final ControlPlaneProperties properties;
    private final ApiTokens tokens;

    InitialAdminToken(ControlPlaneProperties properties, ApiTokens tokens) {
        this.properties = properties;
        this.tokens = tokens;
    }

    @Override
    public void run(ApplicationArguments args) {
        String secret = properties.admin().initialToken();
        if (!secret.isBlank()) {
            tokens.ensureExists(secret.strip(), NAME);
        }
    }
}
