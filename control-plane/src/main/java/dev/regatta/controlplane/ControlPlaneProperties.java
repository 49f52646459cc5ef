package dev.regatta.controlplane;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * All of the control plane's own settings, under {@code regatta.*} (environment: {@code REGATTA_*}). Every default
 * works for the embedded default; production sets the database URL, the CA key and the bootstrap token.
 *
 * @param dataDir  where the embedded PostgreSQL and generated secrets live
 * @param embeddedDatabasePort the port of the embedded PostgreSQL (used only when {@code spring.datasource.url} is
 *                 empty); 0 picks a free one. Set it when other control planes must reach this one's database, as
 *                 {@code regatta up --control-planes 2} does; it listens on loopback only
 * @param serverId this service's identity in the signed {@code x-regatta-server-id} header, so that an STS proof
 *                 made for one Regatta deployment cannot be replayed to another; generated and kept in the
 *                 database when empty. Set it when several deployments must share one identity (never needed
 *                 for replicas over one database, which share the stored one)
 */
@ConfigurationProperties("regatta")
@Validated
public record ControlPlaneProperties(
        @DefaultValue(".regatta/control-plane") @NotNull Path dataDir,
        @DefaultValue("0") @Min(0) @Max(65535) int embeddedDatabasePort,
        @DefaultValue("") @Pattern(regexp = "|[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
                message = "must be empty or 1-64 letters, digits, '.', '_' or '-' (it travels in an HTTP header)")
        String serverId,
        @DefaultValue @Valid Sts sts,
        @DefaultValue @Valid Ca ca,
        @DefaultValue @Valid Nodes nodes,
        @DefaultValue @Valid Replication replication,
        @DefaultValue @Valid Mounts mounts,
        @DefaultValue Admin admin,
        @DefaultValue @Valid Audit audit) {

    public ControlPlaneProperties {
        // Checked here: it relates two records. A member must first be down (dead-after) before it can be replaced.
        if (replication.replaceAfter().compareTo(nodes.deadAfter()) < 0) {
            throw new IllegalArgumentException("regatta.replication.replace-after (" + replication.replaceAfter()
                    + ") must be at least regatta.nodes.dead-after (" + nodes.deadAfter() + ")");
        }
    }

    /**
     * @param allowedEndpoints the only STS URLs a mount proof may name (scheme, host and port must match one);
     *                         the control plane never sends a proof anywhere else
     * @param timeout          for the call to STS
     * @param maxRequestAge    a proof signed longer ago than this is refused (STS itself allows 15 minutes)
     * @param maxClockSkew     how far in the future a proof's X-Amz-Date may be: the caller's clock may run ahead
     */
    public record Sts(
            @DefaultValue({"https://sts.amazonaws.com", "https://sts.us-east-1.amazonaws.com",
                    "https://sts.us-east-2.amazonaws.com", "https://sts.us-west-1.amazonaws.com",
                    "https://sts.us-west-2.amazonaws.com", "https://sts.eu-west-1.amazonaws.com",
                    "https://sts.eu-central-1.amazonaws.com", "https://sts.ap-northeast-1.amazonaws.com",
                    "https://sts.ap-southeast-1.amazonaws.com", "https://sts.ap-southeast-2.amazonaws.com"})
            @NotEmpty List<URI> allowedEndpoints,
            @DefaultValue("10s") @NotNull Duration timeout,
            @DefaultValue("15m") @NotNull Duration maxRequestAge,
            @DefaultValue("5m") @NotNull Duration maxClockSkew) {
    }

    /**
     * @param keyEncryptionKey        base64 of 32 bytes that encrypt the CA's private key at rest (AES-256-GCM);
     *                                when empty, one is generated into {@code dataDir/ca-key-encryption-key}
     *                                (fine for the embedded default, not for production)
     * @param clientCertificateTtl    lifetime of a mount's client certificate
     * @param nodeCertificateTtl      lifetime of a data-plane node's certificate
     * @param authorityTtl            lifetime of the CA certificate made on first start
     */
    public record Ca(
            @DefaultValue("") String keyEncryptionKey,
            @DefaultValue("1h") @NotNull Duration clientCertificateTtl,
            @DefaultValue("30d") @NotNull Duration nodeCertificateTtl,
            @DefaultValue("3650d") @NotNull Duration authorityTtl) {
    }

    /**
     * @param bootstrapToken    what a data-plane node presents to register; empty: generated into
     *                          {@code dataDir/node-bootstrap-token}
     * @param heartbeatInterval how often nodes report and pull their assignments (told to them at registration)
     * @param deadAfter         a node silent this long is considered down and its file systems move to a live one
     */
    public record Nodes(
            @DefaultValue("") String bootstrapToken,
            @DefaultValue("10s") @NotNull Duration heartbeatInterval,
            @DefaultValue("45s") @NotNull Duration deadAfter) {
    }

    /**
     * @param defaultReplicas how many nodes serve a file system whose creation does not say: 1 (no replication), 3
     *                        (survives one node down) or 5 (two); a group of 3 or 5 needs that many live nodes with a
     *                        replication address before it is placed
     * @param replaceAfter    a member of a group of 3 or 5 silent this long is replaced by a live node outside the
     *                        group; at least {@code nodes.dead-after}. Shorter replaces nodes that were only
     *                        restarting; longer leaves the group a member short for longer
     */
    public record Replication(
            @DefaultValue("3") int defaultReplicas,
            @DefaultValue("10m") @NotNull Duration replaceAfter) {

        public Replication {
            if (defaultReplicas != 1 && defaultReplicas != 3 && defaultReplicas != 5) {
                throw new IllegalArgumentException("regatta.replication.default-replicas must be 1, 3 or 5, not "
                        + defaultReplicas);
            }
        }
    }

    /**
     * @param failedAttemptsPerSource refused mount attempts allowed per source address within {@code failureWindow};
     *                                beyond it the source gets 429 until the window passes. Only refusals the
     *                                caller caused count (4xx other than 429): not outages of STS or the nodes
     */
    public record Mounts(
            @DefaultValue("20") @Min(1) int failedAttemptsPerSource,
            @DefaultValue("5m") @NotNull Duration failureWindow) {
    }

    /**
     * @param retention how long mount decisions stay in the audit log; older ones are deleted (hourly, and at start)
     */
    public record Audit(
            @DefaultValue("90d") @NotNull @DurationMin(hours = 1) Duration retention) {
    }

    /**
     * @param initialToken           when set, an admin API token with exactly this secret exists (the embedded
     *                               default passes the one it keeps in its data directory); otherwise admins create
     *                               tokens
     * @param username               the web console's admin account
     * @param password               its password; when empty, one is generated into {@code dataDir/admin-password}
     * @param failedLoginsPerSource  failed console sign-ins allowed per source address within
     *                               {@code failedLoginWindow}; beyond it the source gets 429 until the window passes
     * @param failedLoginWindow      see {@code failedLoginsPerSource}
     */
    public record Admin(
            @DefaultValue("") String initialToken,
            @DefaultValue("admin") String username,
            @DefaultValue("") String password,
            @DefaultValue("10") int failedLoginsPerSource,
            @DefaultValue("15m") Duration failedLoginWindow) {

        public Admin {
            // Checked here: the enclosing record does not cascade validation into this one.
            if (username == null || username.isBlank()) {
                throw new IllegalArgumentException("regatta.admin.username must not be empty");
            }
            if (failedLoginsPerSource < 1) {
                throw new IllegalArgumentException("regatta.admin.failed-logins-per-source must be at least 1");
            }
            if (failedLoginWindow == null || failedLoginWindow.isNegative() || failedLoginWindow.isZero()) {
                throw new IllegalArgumentException("regatta.admin.failed-login-window must be positive");
            }
        }
    }
}
