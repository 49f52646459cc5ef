package dev.regatta.controlplane.node;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.nio.file.Path;

/**
 * The deployment's shared secret that admits a data-plane node to register: {@code regatta.nodes.bootstrap-token},
 * or when that is empty one generated into {@code <data-dir>/node-bootstrap-token} on first start.
 */
@Component
public class BootstrapToken {

    private static final Logger LOG = LoggerFactory.getLogger(BootstrapToken.class);
    static final String FILE_NAME = "node-bootstrap-token";

    private final String secret;

    public BootstrapToken(ControlPlaneProperties properties) {
        if (properties.nodes().bootstrapToken().isBlank()) {
            Path file = properties.dataDir().resolve(FILE_NAME).toAbsolutePath();
            this.secret = Secrets.readOrGenerate(file, "rgb_");
            LOG.info("data-plane nodes register with the bootstrap token kept in {} "
                    + "(set regatta.nodes.bootstrap-token to choose it)", file);
        } else {
            this.secret = properties.nodes().bootstrapToken();
        }
    }

    public boolean matches(String presented) {
        return Secrets.sameSecret(secret, presented);
    }
}
