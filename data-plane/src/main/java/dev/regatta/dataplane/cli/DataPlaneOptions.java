package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.meta.Replication;
import dev.regatta.dataplane.node.ControlPlaneSettings;
import dev.regatta.dataplane.server.DataPlaneConfig;
import dev.regatta.dataplane.server.ReplicationConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data plane's settings as command-line options. Each option can also come from the environment
 * (REGATTA_...) or from a properties file given with --config (keys are the option names without dashes);
 * a flag wins over the file, the file over the environment.
 */
public final class DataPlaneOptions {

    @Option(names = "--config", description = "Properties file with defaults for these options (keys without dashes).")
    Path config;

    @Option(names = "--data-dir", defaultValue = "${env:REGATTA_DATA_DIR:-.regatta}",
            description = "Where the cache, metadata and keys live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--bind", defaultValue = "${env:REGATTA_BIND:-127.0.0.1}",
            description = "Address the NFS and metrics ports listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--nfs-port", defaultValue = "${env:REGATTA_NFS_PORT:-2049}",
            description = "TCP port for NFS v3 and MOUNT v3 together; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int nfsPort;

    @Option(names = "--portmap", defaultValue = "${env:REGATTA_PORTMAP:-false}",
            description = "Also answer portmap on port 111 (needs root and a free port 111).")
    boolean portmap;

    @Option(names = "--metrics-port", defaultValue = "${env:REGATTA_METRICS_PORT:-0}",
            description = "Prometheus /metrics port; 0 picks a free one, -1 disables (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--export", defaultValue = "${env:REGATTA_EXPORT:-/fs-demo}",
            description = "Export path clients mount (default: ${DEFAULT-VALUE}).")
    String export;

    @Option(names = "--s3-endpoint", defaultValue = "${env:REGATTA_S3_ENDPOINT}",
            description = "S3-compatible endpoint URL; omit for AWS.")
    URI s3Endpoint;

    @Option(names = "--s3-region", defaultValue = "${env:REGATTA_S3_REGION:-us-east-1}",
            description = "Signing region (default: ${DEFAULT-VALUE}).")
    String s3Region;

    @Option(names = "--s3-access-key", defaultValue = "${env:REGATTA_S3_ACCESS_KEY}",
            description = "Access key; with the secret key. Omit both for the AWS default credential chain.")
    String s3AccessKey;

    @Option(names = "--s3-secret-key", defaultValue = "${env:REGATTA_S3_SECRET_KEY}", description = "Secret key.")
    String s3SecretKey;

    @Option(names = "--bucket", defaultValue = "${env:REGATTA_BUCKET:-demo}",
            description = "Bucket to serve (default: ${DEFAULT-VALUE}).")
    String bucket;

    @Option(names = "--prefix", defaultValue = "${env:REGATTA_PREFIX:-}",
            description = "Key prefix the file system lives under (default: the whole bucket).")
    String prefix;

    @Option(names = "--virtual-hosted-style", defaultValue = "false",
            description = "Address the bucket as a host name instead of a path (AWS style).")
    boolean virtualHostedStyle;

    @Option(names = "--quiet-period", defaultValue = "${env:REGATTA_QUIET_PERIOD:-10s}",
            converter = DurationConverter.class,
            description = "Upload a changed file once it was left alone this long (default: ${DEFAULT-VALUE}).")
    Duration quietPeriod;

    @Option(names = "--flush-deadline", defaultValue = "${env:REGATTA_FLUSH_DEADLINE:-5m}",
            converter = DurationConverter.class,
            description = "...and at the latest this long after its first change (default: ${DEFAULT-VALUE}). With a "
                    + "control plane each file system's own flush delay counts instead; up gives this one to the demo "
                    + "file system when it creates it.")
    Duration flushDeadline;

    @Option(names = "--revalidate-after", defaultValue = "${env:REGATTA_REVALIDATE_AFTER:-30s}",
            converter = DurationConverter.class,
            description = "Check cached listings against S3 after this long (default: ${DEFAULT-VALUE}).")
    Duration revalidateAfter;

    @Option(names = "--cache-ttl", defaultValue = "${env:REGATTA_CACHE_TTL:-1h}", converter = DurationConverter.class,
            description = "Clean cached data leaves after this long unread (default: ${DEFAULT-VALUE}).")
    Duration cacheTtl;

    @Option(names = "--cache-size", defaultValue = "${env:REGATTA_CACHE_SIZE:-10G}", converter = SizeConverter.class,
            description = "Disk the data cache may use (default: ${DEFAULT-VALUE}).")
    long cacheSize;

    @Option(names = "--lock-grace-period", defaultValue = "${env:REGATTA_LOCK_GRACE_PERIOD:-50s}",
            converter = DurationConverter.class,
            description = "After a restart, only reclaims of NLM locks are granted for this long, when clients held "
                    + "locks before (default: ${DEFAULT-VALUE}, Linux lockd's).")
    Duration lockGracePeriod;

    @Option(names = "--lock-lease", defaultValue = "${env:REGATTA_LOCK_LEASE:-0s}", converter = DurationConverter.class,
            description = "Release the NLM locks of a client that made no call for this long and whose lock manager "
                    + "does not answer; 0 = never (default: ${DEFAULT-VALUE}).")
    Duration lockLease;

    @Option(names = "--lock-tunnel-lease", defaultValue = "${env:REGATTA_LOCK_TUNNEL_LEASE:-90s}",
            converter = DurationConverter.class,
            description = "The same for mounts through the TLS front, whose lock manager is asked through the "
                    + "mount's callback line: frees the locks of an instance that crashed or vanished; 0 = never "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration lockTunnelLease;

    @Option(names = "--lock-callback-timeout", defaultValue = "${env:REGATTA_LOCK_CALLBACK_TIMEOUT:-5s}",
            converter = DurationConverter.class,
            description = "How long a call back to a client's lock manager or status monitor may take "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration lockCallbackTimeout;

    @Option(names = "--control-plane", defaultValue = "${env:REGATTA_CONTROL_PLANE}", split = ",",
            description = "Control plane URL: register with it as a node and serve the file systems it assigns "
                    + "(each as export /<file system ID>) instead of --bucket/--export. Several, comma-separated: "
                    + "the control plane's instances, tried in turn when one does not answer.")
    List<URI> controlPlane;

    @Option(names = "--bootstrap-token", defaultValue = "${env:REGATTA_BOOTSTRAP_TOKEN}",
            description = "The deployment's bootstrap token, to register once; prefer --bootstrap-token-file or "
                    + "REGATTA_BOOTSTRAP_TOKEN (a flag shows in the process list).")
    String bootstrapToken;

    @Option(names = "--bootstrap-token-file", defaultValue = "${env:REGATTA_BOOTSTRAP_TOKEN_FILE}",
            description = "File holding the bootstrap token.")
    Path bootstrapTokenFile;

    @Option(names = "--node-name", defaultValue = "${env:REGATTA_NODE_NAME}",
            description = "How this node appears in the control plane (default: the host name).")
    String nodeName;

    @Option(names = "--advertise-address", defaultValue = "${env:REGATTA_ADVERTISE_ADDRESS}",
            description = "host:port that clients' tunnels connect to (default: the TLS front's address and port).")
    String advertiseAddress;

    @Option(names = "--tls-bind", defaultValue = "${env:REGATTA_TLS_BIND:-0.0.0.0}",
            description = "Address of the TLS front, the node's public port for mount.regatta's tunnels "
                    + "(default: ${DEFAULT-VALUE}); with --control-plane.")
    String tlsBind;

    @Option(names = "--tls-port", defaultValue = "${env:REGATTA_TLS_PORT:-20490}",
            description = "Port of the TLS front (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int tlsPort;

    @Option(names = "--zone", defaultValue = "${env:REGATTA_ZONE}",
            description = "With --control-plane: this node's failure domain, e.g. its availability zone; the control "
                    + "plane puts no two members of a file system's replication group in one zone when it can avoid "
                    + "it (default: none given, every node its own).")
    String zone;

    @Option(names = "--replication-port", defaultValue = "${env:REGATTA_REPLICATION_PORT:-20491}",
            description = "With --control-plane: the port of this node's replication server, which the other members"
                    + " of its file systems' replication groups connect to, on the advertised host (default: "
                    + "${DEFAULT-VALUE}; 0 picks a free one; -1: this node replicates nothing and is given no "
                    + "group).")
    int replicationPort;

    @Option(names = "--group-members", defaultValue = "${env:REGATTA_GROUP_MEMBERS}", split = ",",
            description = "Without a control plane: serve the file system in a replication group of these nodes, "
                    + "NAME=HOST:PORT each (where its replication listens), this node (--node-name) among them. "
                    + "Only the group's leader serves NFS; the others answer JUKEBOX.")
    List<String> groupMembers;

    @Option(names = "--election-timeout", defaultValue = "${env:REGATTA_ELECTION_TIMEOUT:-1s}",
            converter = DurationConverter.class,
            description = "How long a group member waits without hearing from a leader before it stands for "
                    + "election (at most twice this; default: ${DEFAULT-VALUE}).")
    Duration electionTimeout;

    DataPlaneConfig toConfig() {
        DataPlaneConfig base = DataPlaneConfig.defaults(dataDir.toAbsolutePath());
        return base
                .withControlPlane(controlPlane == null ? null : new ControlPlaneSettings(controlPlane,
                        bootstrapToken(), blankToNull(nodeName) == null ? hostName() : nodeName.trim(),
                        blankToNull(advertiseAddress), tlsBind, tlsPort, zone()))
                .withNfs(bind, nfsPort, portmap)
                .withMetricsPort(metricsPort)
                .withExportPath(export.startsWith("/") ? export : "/" + export)
                .withS3(new DataPlaneConfig.S3(s3Endpoint, s3Region, blankToNull(s3AccessKey),
                        blankToNull(s3SecretKey), bucket, prefix == null ? "" : prefix, !virtualHostedStyle))
                .withTimings(quietPeriod, flushDeadline, revalidateAfter)
                .withCache(cacheTtl, cacheSize, base.cacheHighWatermark(), base.cacheLowWatermark())
                .withLocks(new LockSettings(lockGracePeriod, lockLease, lockTunnelLease, lockCallbackTimeout))
                .withReplication(replication());
    }

    /**
     * How this node replicates: with a control plane, its replication port (the host is the advertised one, which
     * the data plane works out); without one, the group of --group-members; or null.
     */
    private ReplicationConfig replication() {
        if (controlPlane != null) {
            if (groupMembers != null && !groupMembers.isEmpty()) {
                throw new IllegalArgumentException("--group-members is for a node without a control plane; with "
                        + "one, the control plane places each file system's group");
            }
            if (replicationPort < -1 || replicationPort > 65535) {
                throw new IllegalArgumentException("--replication-port: no such port " + replicationPort);
            }
            return replicationPort == -1 ? null
                    : new ReplicationConfig(null, null, replicationPort, electionTimeout, List.of());
        }
        if (groupMembers == null || groupMembers.isEmpty()) {
            return null;
        }
        String self = blankToNull(nodeName);
        if (self == null) {
            throw new IllegalArgumentException("--group-members needs --node-name: which of the members this node is");
        }
        List<Replication.Member> members = new ArrayList<>();
        for (String member : groupMembers) {
            Matcher m = MEMBER.matcher(member.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("--group-members: '" + member + "' is not NAME=HOST:PORT");
            }
            members.add(new Replication.Member(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
        }
        String name = self.trim();
        Replication.Member me = members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--node-name " + name + " is not one of "
                        + "--group-members"));
        if (members.stream().map(Replication.Member::name).distinct().count() != members.size()) {
            throw new IllegalArgumentException("--group-members: two members share a name: " + groupMembers);
        }
        return new ReplicationConfig(name, me.host(), me.port(), electionTimeout, members);
    }

    private String zone() {
        String z = blankToNull(zone);
        if (z != null && !z.trim().matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--zone: '" + z + "' is not 1-64 letters, digits, '.', '_' or '-'");
        }
        return z == null ? null : z.trim();
    }

    private static final Pattern MEMBER = Pattern.compile("([A-Za-z0-9._-]+)=([^=:\\s]+):(\\d{1,5})");

    private String bootstrapToken() {
        String given = blankToNull(bootstrapToken);
        if (bootstrapTokenFile == null) {
            return given;
        }
        if (given != null) {
            throw new IllegalArgumentException("give --bootstrap-token or --bootstrap-token-file, not both");
        }
        try {
            return blankToNull(Files.readString(bootstrapTokenFile, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bootstrap token file " + bootstrapTokenFile, e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "regatta-node" : env;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** "250ms", "10s", "5m", "1h", "2d", "0", or ISO-8601 ("PT10S"). */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            if (v.startsWith("p")) {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException("not a duration: '" + value
                        + "' (use e.g. 250ms, 10s, 5m, 1h)");
            };
        }
    }

    /** "512M", "10G", "1T" or a plain number of bytes. */
    public static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            int shift = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            String number = shift == 0 ? v : v.substring(0, v.length() - 1);
            return Long.parseLong(number) << shift;
        }
    }
}
