package dev.regatta.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * mount.regatta against the real stack: {@code regatta up} (control plane, node with its TLS front), the helper
 * and its tunnel as processes, credentials from IMDSv2 and STS both played by WireMock at the HTTP boundary, NFS
 * through the tunnel with libnfs's tools (this machine's kernel has no NFS client, so the helper runs with
 * --no-mount and the test is the NFS client). Client certificates last 90 s here, so that renewal happens within
 * the test. The methods run in order on one stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MountHelperTest {

    private static final Duration START = Duration.ofMinutes(3);
    private static final String ACCOUNT = "123456789012";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/app";
    private static final String SESSION = "arn:aws:sts::" + ACCOUNT + ":assumed-role/app/i-0helpertest";
    private static final String ACCESS_KEY = "ASIAHELPERTEST000001";
    private static final String IMDS_TOKEN = "imds-token-of-the-test";
    private static final String SESSION_TOKEN = "helper-test-session-token";
    private static final Pattern MOUNT_COMMAND = Pattern.compile(
            "mount -t nfs -o vers=3,proto=tcp,port=(\\d+),mountport=\\1,(rw|ro),nolock 127\\.0\\.0\\.1:/(fs-[0-9a-f]{17}) (\\S+)");

    private Path dir;
    private StubSts aws;
    private RegattaUp up;
    private Api api;
    private String fsA;
    private String fsB;
    private String tlsAddress;
    private URI metrics;
    private Map<String, String> helperEnv;
    private int rwPort;
    private int roPort;

    @BeforeAll
    void startStack(@TempDir Path dir) throws Exception {
        this.dir = dir;
        aws = StubSts.start().answer(ACCESS_KEY, Optional.of(SESSION_TOKEN), SESSION, ACCOUNT);
        stubImds();
        Map<String, String> env = new HashMap<>(aws.allowedByTheControlPlane());
        env.put("REGATTA_CA_CLIENTCERTIFICATETTL", "90s");
        up = RegattaUp.start(dir.resolve("up.log"), env,
                "--data-dir", dir.resolve("data").toString(), "--s3-port", "0", "--api-port", "0",
                "--nfs-port", "0", "--tls-port", "0", "--metrics-port", "0", "--quiet-period", "1s");
        up.awaitLine("regatta: ready", START);
        Matcher apiLine = Pattern.compile("regatta: api (\\S+) admin-token (\\S+)").matcher(line("regatta: api "));
        assertThat(apiLine.matches()).isTrue();
        api = new Api(URI.create(apiLine.group(1)), apiLine.group(2));
        Matcher fsLine = Pattern.compile("regatta: file system (fs-[0-9a-f]{17}) .*").matcher(
                line("regatta: file system "));
        assertThat(fsLine.matches()).isTrue();
        fsA = fsLine.group(1);
        Matcher metricsLine = Pattern.compile("regatta: metrics (\\S+)").matcher(line("regatta: metrics "));
        assertThat(metricsLine.matches()).isTrue();
        metrics = URI.create(metricsLine.group(1));
        Matcher tls = Pattern.compile("regatta: tls (\\S+) .*").matcher(line("regatta: tls "));
        assertThat(tls.matches()).isTrue();
        tlsAddress = tls.group(1);

        Path config = dir.resolve("regatta.conf");
        Files.writeString(config, String.join("\n",
                "control_plane = " + apiLine.group(1),
                "region = us-east-1",
                "sts_endpoint = " + aws.baseUrl(),
                "state_dir = " + dir.resolve("run"),
                "lib_dir = " + dir.resolve("lib"),
                "log_dir = " + dir.resolve("log"),
                "tunnel_port_range = 31049-31149",
                "watchdog_interval_seconds = 2",
                "unmounted_grace_seconds = 600", ""));
        helperEnv = new HashMap<>(Map.of(
                "REGATTA_CONFIG", config.toString(),
                "AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.baseUrl(),
                "AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString()));
        // Credentials come from IMDS only, as on an instance without keys in its environment.
        for (String variable : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_PROFILE")) {
            helperEnv.put(variable, "");
        }
    }

    /** IMDSv2 on the same server as STS: the helper's credentials, a session of the role {@code app}. */
    private void stubImds() {
        aws.server().stubFor(put(urlEqualTo("/latest/api/token")).willReturn(aResponse().withBody(IMDS_TOKEN)));
        aws.server().stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(IMDS_TOKEN))
                .willReturn(aResponse().withBody("app")));
        aws.server().stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/app"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(IMDS_TOKEN))
                .willReturn(aResponse().withBody("""
                        {"Code": "Success", "LastUpdated": "%s", "Type": "AWS-HMAC", "AccessKeyId": "%s",
                         "SecretAccessKey": "helper-test-secret", "Token": "%s",
                         "Expiration": "%s"}""".formatted(Instant.now().truncatedTo(ChronoUnit.SECONDS), ACCESS_KEY,
                        SESSION_TOKEN, Instant.now().plus(Duration.ofHours(6)).truncatedTo(ChronoUnit.SECONDS)))));
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            stopHelperProcesses();
            if (up != null) {
                up.close();
            }
        } finally {
            aws.close();
        }
    }

    @Test
    @Order(1)
    void aGrantedRoleMountsThroughTheTunnel() throws Exception {
        String grant = grant(fsA, ROLE, "READ_WRITE");
        Command mounted = helper(fsA, "rw-mount", "rw");
        assertThat(mounted.exit()).as("%s", mounted).isZero();
        Matcher command = MOUNT_COMMAND.matcher(mounted.out().strip());
        assertThat(command.matches()).as(mounted.out()).isTrue();
        assertThat(command.group(2)).isEqualTo("rw");
        assertThat(command.group(3)).isEqualTo(fsA);
        rwPort = Integer.parseInt(command.group(1));
        assertThat(rwPort).isBetween(31049, 31149);
        assertThat(mounted.err()).contains("granted to " + SESSION);

        Path local = dir.resolve("hello.txt");
        Files.writeString(local, "through the TLS tunnel\n");
        Command copied = nfs("nfs-cp", local.toString(), url(rwPort, fsA, "/hello.txt"));
        assertThat(copied.exit()).as("%s", copied).isZero();
        Command read = nfs("nfs-cat", url(rwPort, fsA, "/hello.txt"));
        assertThat(read.out()).as("%s", read).isEqualTo("through the TLS tunnel\n");

        JsonNode mounts = api.get("/api/v1/file-systems/" + fsA + "/mounts").body();
        assertThat(mounts.findValuesAsText("principal")).contains(SESSION);
        assertThat(api.delete("/api/v1/file-systems/" + fsA + "/grants/" + grant).status()).isEqualTo(204);
        awaitNodeGrants(fsA, 0);
    }

    @Test
    @Order(2)
    void aCertificateForOneFileSystemCannotMountAnother() throws Exception {
        grant(fsA, ROLE, "READ_WRITE");
        Api.Answer created = api.post("/api/v1/file-systems", Map.of("name", "other", "bucket", "demo",
                "region", "us-east-1", "endpoint", bucketEndpoint(), "keyPrefix", "other"));
        assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
        fsB = created.body().path("id").asText();
        grant(fsB, ROLE, "READ_WRITE");
        Command mounted = helper(fsA, "cross-mount", "rw");
        assertThat(mounted.exit()).as("%s", mounted).isZero();
        int port = port(mounted);
        eventually("the node serving " + fsB, () -> nfs("nfs-ls", "nfs://127.0.0.1/" + fsB + "?nfsport="
                + nfsPort() + "&mountport=" + nfsPort() + "&version=3").exit() == 0 ? true : null);

        Command own = nfs("nfs-ls", url(port, fsA, ""));
        assertThat(own.exit()).as("%s", own).isZero();
        Command other = nfs("nfs-ls", url(port, fsB, ""));
        assertThat(other.exit()).as("%s", other).isNotZero();
        assertThat(other.err()).contains("MNT3ERR_ACCES");
    }

    @Test
    @Order(3)
    void aReadOnlyGrantGivesAReadOnlyFileSystem() throws Exception {
        revokeAll(fsA);
        grant(fsA, ROLE, "READ_ONLY");

        Command asked = helper(fsA, "ro-refused", "rw");
        assertThat(asked.exit()).as("%s", asked).isEqualTo(32);
        assertThat(asked.err()).contains("read-only", "-o ro");

        Command mounted = helper(fsA, "ro-mount", "ro");
        assertThat(mounted.exit()).as("%s", mounted).isZero();
        assertThat(MOUNT_COMMAND.matcher(mounted.out().strip()).replaceFirst("$2")).isEqualTo("ro");
        roPort = port(mounted);
        Command read = nfs("nfs-cat", url(roPort, fsA, "/hello.txt"));
        assertThat(read.out()).as("%s", read).isEqualTo("through the TLS tunnel\n");
        Path local = dir.resolve("refused.txt");
        Files.writeString(local, "must not land\n");
        Command write = nfs("nfs-cp", local.toString(), url(roPort, fsA, "/refused.txt"));
        assertThat(write.exit()).as("%s", write).isNotZero();
        assertThat(nfs("nfs-cat", url(roPort, fsA, "/refused.txt")).exit()).isNotZero();
    }

    @Test
    @Order(4)
    void aRevokedGrantStopsTheTunnelAndFailsOnRenewal() throws Exception {
        revokeAll(fsA);
        eventually("the node refusing the revoked mount", () -> nfs("nfs-ls", url(roPort, fsA, "")).exit() != 0
                ? true : null);
        // 90-second certificates are renewed 30 s before they end; the watchdog's renewal is refused.
        Path watchdogLog = dir.resolve("log/watchdog.log");
        eventually("the watchdog's refused renewal", () -> Files.exists(watchdogLog)
                && Files.readString(watchdogLog).contains("refused to renew the certificate (HTTP 403)") ? true : null);
        assertThat(Files.readString(watchdogLog)).contains("no grant of " + fsA);
    }

    @Test
    @Order(5)
    void aForgedCertificateIsRefusedByTheTlsFront() throws Exception {
        grant(fsA, ROLE, "READ_WRITE");
        Path forged = forgedCredentials();
        Path realCa = Files.walk(dir.resolve("lib")).filter(p -> p.getFileName().toString().equals("ca.pem"))
                .findFirst().orElseThrow();
        assertRefusedByTheFront(forged.resolve("key.pem"), forged.resolve("certificate.pem"), realCa, 31200);
        eventually("the front logging the untrusted certificate", () -> up.logTail()
                .contains("certificate 'CN=mount-0000000000000000f,O=Regatta' (issued by 'CN=Regatta CA,O=Regatta') "
                        + "is not trusted") ? true : null);
    }

    @Test
    @Order(6)
    void anExpiredCertificateIsRefusedByTheTlsFront() throws Exception {
        // A real mount's credentials, copied before the watchdog renews them, used after they expire (90 s).
        Path mountFiles = Files.walk(dir.resolve("lib")).filter(p -> p.getFileName().toString().equals("key.pem"))
                .findFirst().orElseThrow().getParent();
        Path copy = Files.createDirectories(dir.resolve("expired"));
        for (String name : List.of("key.pem", "certificate.pem", "ca.pem")) {
            Files.copy(mountFiles.resolve(name), copy.resolve(name));
        }
        X509Certificate expiring;
        try (var in = Files.newInputStream(copy.resolve("certificate.pem"))) {
            expiring = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
        Duration left = Duration.between(Instant.now(), expiring.getNotAfter().toInstant());
        if (!left.isNegative()) {
            Thread.sleep(left.plusSeconds(2).toMillis());
        }
        // The previous test's grant of fsA stands; the TLS handshake refuses before any grant is looked at.
        assertRefusedByTheFront(copy.resolve("key.pem"), copy.resolve("certificate.pem"), copy.resolve("ca.pem"),
                31201);
        eventually("the front logging the expired certificate", () -> up.logTail()
                .contains("' expired at " + expiring.getNotAfter().toInstant()) ? true : null);
    }

    @Test
    @Order(7)
    void renewalsKeepEachMountsSession() throws Exception {
        // The helper's mounts of fsA (tests 1 to 3) have 90-second certificates, renewed 30 s before they end (or a
        // minute after a refused renewal): by now each has been renewed, and still has the one session it began with.
        List<String> mountIds = new ArrayList<>();
        try (var files = Files.list(dir.resolve("run"))) {
            for (Path state : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                mountIds.add(Api.JSON.readTree(state.toFile()).path("mountId").asText());
            }
        }
        assertThat(mountIds).as("rw-mount, cross-mount, ro-mount").hasSize(3);
        JsonNode sessions = eventually("a renewal of every helper mount of " + fsA, () -> {
            JsonNode all = api.get("/api/v1/file-systems/" + fsA + "/mounts?state=ALL").body();
            for (JsonNode session : all) {
                if (session.path("renewalCount").asInt() < 1) {
                    return null;
                }
            }
            return all;
        });
        assertThat(sessions.findValuesAsText("id")).as("one session per mount, whatever its renewals")
                .containsExactlyInAnyOrderElementsOf(mountIds);
        assertThat(Files.readString(dir.resolve("log/watchdog.log"))).contains("renewed the certificate of mount ");
    }

    @Test
    @Order(8)
    void theWatchdogReportsAnUnmountAndItsSessionEnds() throws Exception {
        // A configuration of its own (state, keys, logs, so its own watchdog) in which a mount not in this machine's
        // mount table is cleaned up after 1 s: with --no-mount it never is, so the watchdog cleans up and reports.
        Path config = dir.resolve("regatta-unmount.conf");
        Files.writeString(config, Files.readString(dir.resolve("regatta.conf"))
                .replace("state_dir = " + dir.resolve("run"), "state_dir = " + dir.resolve("run-unmount"))
                .replace("lib_dir = " + dir.resolve("lib"), "lib_dir = " + dir.resolve("lib-unmount"))
                .replace("log_dir = " + dir.resolve("log"), "log_dir = " + dir.resolve("log-unmount"))
                .replace("unmounted_grace_seconds = 600", "unmounted_grace_seconds = 1"));
        Map<String, String> env = new HashMap<>(helperEnv);
        env.put("REGATTA_CONFIG", config.toString());
        Path mountPoint = Files.createDirectories(dir.resolve("unmounted"));
        Command mounted = Command.run(env, Command.java("mount-helper", "dev.regatta.mount.MountRegatta", fsA,
                mountPoint.toString(), "-o", "rw", "--no-mount", "-v"));
        assertThat(mounted.exit()).as("%s", mounted).isZero();
        Matcher granted = Pattern.compile("mount (mount-[0-9a-f]{17}) on node").matcher(mounted.err());
        assertThat(granted.find()).as(mounted.err()).isTrue();
        String mountId = granted.group(1);

        Path watchdogLog = dir.resolve("log-unmount/watchdog.log");
        eventually("the watchdog's unmount report", () -> Files.exists(watchdogLog)
                && Files.readString(watchdogLog).contains("that mount " + mountId + " ended") ? true : null);
        assertThat(Files.readString(watchdogLog)).contains("is no longer mounted", "told the control plane at ",
                " that mount " + mountId + " ended; it ended the mount's session at ");
        JsonNode ended = api.get("/api/v1/file-systems/" + fsA + "/mounts?state=ENDED").body();
        assertThat(ended.findValuesAsText("id")).contains(mountId);
        assertThat(api.get("/api/v1/file-systems/" + fsA + "/mounts").body().findValuesAsText("id"))
                .as("live mounts").doesNotContain(mountId);
    }

    /** A tunnel with these credentials listens, but NFS through it gets nowhere. */
    private void assertRefusedByTheFront(Path key, Path certificate, Path ca, int port) throws Exception {
        List<String> tunnel = Command.java("tls-tunnel", "dev.regatta.tunnel.cli.TunnelCli", "client",
                "--connect", tlsAddress, "--key", key.toString(), "--cert", certificate.toString(),
                "--ca", ca.toString(), "--listen-port", Integer.toString(port));
        Process process = new ProcessBuilder(tunnel).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("regatta-tunnel: listening"));
            assertThat(line).startsWith("regatta-tunnel: listening 127.0.0.1:" + port);
            Command refused = nfs("nfs-ls", url(port, fsA, ""));
            assertThat(refused.exit()).as("%s", refused).isNotZero();
        } finally {
            process.destroy();
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private Command helper(String fs, String mountDir, String access) throws Exception {
        Path mountPoint = Files.createDirectories(dir.resolve(mountDir));
        return Command.run(helperEnv, Command.java("mount-helper", "dev.regatta.mount.MountRegatta", fs,
                mountPoint.toString(), "-o", access, "--no-mount", "-v"));
    }

    private static int port(Command mounted) {
        Matcher command = MOUNT_COMMAND.matcher(mounted.out().strip());
        assertThat(command.matches()).as(mounted.out()).isTrue();
        return Integer.parseInt(command.group(1));
    }

    /**
     * Grants, and does not wait for the node's next heartbeat (every 10 s): a mount made at once must work, the node
     * asking the control plane about a grant it has not heard of yet.
     */
    private String grant(String fs, String principal, String access) throws Exception {
        Api.Answer grant = api.post("/api/v1/file-systems/" + fs + "/grants",
                Map.of("principal", principal, "access", access));
        assertThat(grant.status()).as("%s", grant.body()).isEqualTo(201);
        return grant.body().path("id").asText();
    }

    private void revokeAll(String fs) throws Exception {
        for (JsonNode grant : api.get("/api/v1/file-systems/" + fs + "/grants").body()) {
            assertThat(api.delete("/api/v1/file-systems/" + fs + "/grants/" + grant.path("id").asText()).status())
                    .isEqualTo(204);
        }
        awaitNodeGrants(fs, 0);
    }

    private void awaitNodeGrants(String fs, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String expected = "node_grants{fs=\"" + fs + "\"} " + count + ".0";
        eventually("the node seeing " + count + " grants of " + fs, () -> http.send(
                HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
                .lines().anyMatch(expected::equals) ? true : null);
    }

    private static String url(int port, String fs, String path) {
        return "nfs://127.0.0.1/" + fs + path + "?nfsport=" + port + "&mountport=" + port + "&version=3";
    }

    private static Command nfs(String... command) throws Exception {
        return Command.run(Map.of(), List.of(command));
    }

    private int nfsPort() {
        Matcher nfs = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) .*").matcher(line("regatta: nfs "));
        assertThat(nfs.matches()).isTrue();
        return Integer.parseInt(nfs.group(1));
    }

    private String bucketEndpoint() {
        Matcher s3 = Pattern.compile("regatta: s3 (\\S+) .*").matcher(line("regatta: s3 "));
        assertThat(s3.matches()).isTrue();
        return s3.group(1);
    }

    private String line(String prefix) {
        return up.seen().stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in " + up.seen()));
    }

    /** A client certificate with every name a real one has, signed by a CA the control plane never saw. */
    private Path forgedCredentials() throws Exception {
        KeyPair caKey = KeyMaterial.generate();
        KeyPair key = KeyMaterial.generate();
        Instant now = Instant.now();
        X500Name ca = new X500Name("O=Regatta,CN=Regatta CA");
        X509Certificate caCertificate = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(ca, BigInteger.ONE, Date.from(now.minusSeconds(60)),
                        Date.from(now.plus(Duration.ofHours(1))), ca, caKey.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(ca, BigInteger.TWO, Date.from(now.minusSeconds(60)),
                        Date.from(now.plus(Duration.ofHours(1))), new X500Name("O=Regatta,CN=mount-0000000000000000f"),
                        key.getPublic())
                        .addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                                new GeneralName(GeneralName.uniformResourceIdentifier, "regatta:fs:" + fsA),
                                new GeneralName(GeneralName.uniformResourceIdentifier, "regatta:access:read-write"),
                                new GeneralName(GeneralName.uniformResourceIdentifier, "regatta:grant:grant-forged"),
                                new GeneralName(GeneralName.uniformResourceIdentifier, SESSION)}))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        Path forged = Files.createDirectories(dir.resolve("forged"));
        Files.writeString(forged.resolve("key.pem"), Pem.privateKeyText(key.getPrivate()));
        Files.writeString(forged.resolve("certificate.pem"), Pem.encode(certificate) + Pem.encode(caCertificate));
        return forged;
    }

    /**
     * The tunnels and the watchdogs the helper started for this test's configurations (all in its directory), found by
     * their environment.
     */
    private void stopHelperProcesses() {
        String marker = "REGATTA_CONFIG=" + dir + "/";
        List<ProcessHandle> ours = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
                if (new String(environ, StandardCharsets.UTF_8).contains(marker)) {
                    ours.add(p);
                }
            } catch (Exception gone) {
                // exited, or not ours to read
            }
        });
        ours.forEach(ProcessHandle::destroy);
    }

    private String helperLogs() {
        StringBuilder logs = new StringBuilder();
        try (var files = Files.list(dir.resolve("log"))) {
            for (Path log : files.toList()) {
                List<String> lines = Files.readAllLines(log);
                logs.append("== ").append(log.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())))
                        .append('\n');
            }
        } catch (Exception e) {
            logs.append("(cannot list ").append(dir.resolve("log")).append(": ").append(e).append(")");
        }
        return logs.toString();
    }

    private <T> T eventually(String what, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 120 s\nlast log lines:\n" + up.logTail()
                        + "\nhelper logs:\n" + helperLogs());
            }
            Thread.sleep(1000);
        }
    }
}
