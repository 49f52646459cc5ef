package dev.regatta.controlplane;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.ca.BouncyCastleCertificateAuthority;
import dev.regatta.controlplane.ca.TestCsr;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import dev.regatta.controlplane.mount.sts.UsedProofs;
import dev.regatta.pki.Pem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two control planes over one PostgreSQL, as behind a load balancer (issue 17): A runs the embedded PostgreSQL on
 * the port {@code regatta.embedded-database-port} names, B points {@code spring.datasource.url} at it (as
 * {@code regatta up --control-planes 2} does). Each has its own data directory, so they share exactly what a
 * production pair shares: the database and the settings both are given (CA key-encryption key, bootstrap token,
 * admin password). Whatever one instance does, the other must see.
 */
@ExtendWith(OutputCaptureExtension.class)
class ControlPlaneReplicasTest {

    private static final String ADMIN_TOKEN = "rgt_replicas-test-admin-token-93be1c";
    private static final String BOOTSTRAP_TOKEN = "rgb_replicas-test-bootstrap-token-0d7a";
    private static final String PASSWORD = "replicas-test-password";
    private static final int FAILED_SIGN_INS = 3;

    private static ConfigurableApplicationContext a;
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void startBoth() throws IOException {
        byte[] keyEncryptionKey = new byte[32];
        new SecureRandom().nextBytes(keyEncryptionKey);
        Map<String, String> shared = new HashMap<>();
        shared.put("server.port", "0");
        shared.put("regatta.ca.key-encryption-key", Base64.getEncoder().encodeToString(keyEncryptionKey));
        shared.put("regatta.nodes.bootstrap-token", BOOTSTRAP_TOKEN);
        shared.put("regatta.admin.initial-token", ADMIN_TOKEN);
        shared.put("regatta.admin.password", PASSWORD);
        shared.put("regatta.admin.failed-logins-per-source", Integer.toString(FAILED_SIGN_INS));
        shared.put("regatta.admin.failed-login-window", "10m");

        Map<String, String> first = new HashMap<>(shared);
        first.put("regatta.data-dir", EmbeddedDatabaseTest.DATA_DIR.resolve("replica-a").toString());
        int databasePort;
        try (ServerSocket free = new ServerSocket(0)) {
            databasePort = free.getLocalPort();
        }
        first.put("regatta.embedded-database-port", Integer.toString(databasePort));
        a = start(first);

        Map<String, String> second = new HashMap<>(shared);
        second.put("regatta.data-dir", EmbeddedDatabaseTest.DATA_DIR.resolve("replica-b").toString());
        second.put("spring.datasource.url", "jdbc:postgresql://localhost:" + databasePort + "/postgres");
        second.put("spring.datasource.username", "postgres");
        b = start(second);
    }

    /** Command-line arguments: they override application.yml, as an operator's settings do. */
    private static ConfigurableApplicationContext start(Map<String, String> properties) {
        return new SpringApplicationBuilder(ControlPlaneApplication.class).run(properties.entrySet().stream()
                .map(p -> "--" + p.getKey() + "=" + p.getValue()).toArray(String[]::new));
    }

    @AfterAll
    static void stopBoth() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    private static Api api(ConfigurableApplicationContext context) {
        return Api.at(port(context));
    }

    @Test
    void aConsoleSessionSignedInThroughOneInstanceIsHonouredAndEndedThroughTheOther() {
        CookieManager browser = new CookieManager(); // what a browser keeps, whichever instance answers
        Api throughA = api(a).withCookies(browser);
        Api throughB = api(b).withCookies(browser);
        assertThat(throughB.get("/api/v1/file-systems").status()).isEqualTo(401);

        Api.Response signedIn = throughA.post("/api/v1/session", Map.of("username", "admin", "password", PASSWORD));
        assertThat(signedIn.status()).as(signedIn.toString()).isEqualTo(200);

        assertThat(throughB.get("/api/v1/file-systems").status()).as("B honours A's session").isEqualTo(200);
        assertThat(throughB.get("/api/v1/session").json().get("signedIn").asBoolean()).isTrue();

        String csrf = browser.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .map(HttpCookie::getValue).findFirst().orElseThrow();
        assertThat(throughB.withHeader("X-XSRF-TOKEN", csrf).delete("/api/v1/session").status()).isEqualTo(204);
        assertThat(throughA.get("/api/v1/file-systems").status()).as("signed out through B, so on A too")
                .isEqualTo(401);
    }

    @Test
    void failedSignInsOnOneInstanceCountAgainstASignInOnTheOther() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.17.2");
        Map<String, String> wrong = Map.of("username", "admin", "password", "guess");
        for (int i = 0; i < FAILED_SIGN_INS; i++) {
            assertThat(api(a).from(source).post("/api/v1/session", wrong).status()).isEqualTo(401);
        }

        Api.Response throttled = api(b).from(source).post("/api/v1/session",
                Map.of("username", "admin", "password", PASSWORD));
        assertThat(throttled.status()).as("A's failures count on B, even with the right password").isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
        assertThat(api(b).from(InetAddress.getByName("127.0.17.3")).post("/api/v1/session",
                Map.of("username", "admin", "password", PASSWORD)).status()).as("another source").isEqualTo(200);
    }

    @Test
    void aMountProofClaimedThroughOneInstanceIsRefusedByTheOther() {
        byte[] fingerprint = new byte[32];
        new SecureRandom().nextBytes(fingerprint);
        Instant now = Instant.now();
        Instant usableUntil = now.plus(Duration.ofMinutes(15));

        assertThat(a.getBean(UsedProofs.class).claim(fingerprint, usableUntil, now)).isTrue();
        assertThat(b.getBean(UsedProofs.class).claim(fingerprint, usableUntil, now)).as("replayed to B").isFalse();
    }

    @Test
    void aNodeCertificateIssuedByOneInstanceVerifiesUnderTheCaTheOtherServes() throws Exception {
        JsonNode registration = register(b, "cert-node", "10.17.0.1:20490", null, null);
        X509Certificate issuedByB = Pem.parseCertificate(registration.get("certificate").asString());
        X509Certificate caOfA = a.getBean(BouncyCastleCertificateAuthority.class).certificate();

        issuedByB.verify(caOfA.getPublicKey());
        assertThat(issuedByB.getIssuerX500Principal()).isEqualTo(caOfA.getSubjectX500Principal());
        assertThat(registration.get("caCertificates").get(0).asString()).isEqualTo(Pem.encode(caOfA));
    }

    @Test
    void aHeartbeatToOneInstanceIsSeenByTheOther() {
        JsonNode registration = register(a, "beat-node", "10.17.0.2:20490", null, null);
        String nodeId = registration.get("nodeId").asString();
        String token = registration.get("nodeToken").asString();
        jdbc().sql("update node set last_heartbeat_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minus(Duration.ofDays(1))), nodeId).update();
        assertThat(nodeOf(a, nodeId).get("live").asBoolean()).as("silent for a day").isFalse();

        Api.Response beat = api(b).withBearer(token).post("/api/v1/nodes/" + nodeId + "/heartbeat",
                Map.of("fileSystems", List.of()));
        assertThat(beat.status()).as(beat.toString()).isEqualTo(200);

        assertThat(nodeOf(a, nodeId).get("live").asBoolean()).as("A sees the heartbeat B took").isTrue();
    }

    /**
     * Every heartbeat on every instance runs placement; a group member silent past replace-after must be replaced
     * once, not once per instance (the advisory lock in {@link FileSystemAssignments#place}).
     */
    @Test
    void aSilentGroupMemberIsReplacedOnceWhenBothInstancesPlaceAtOnce(CapturedOutput output) throws Exception {
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            nodes.add(register(a, "group-node-" + i, "10.17.1." + i + ":20490", "zone-" + i,
                    "10.17.1." + i + ":20491").get("nodeId").asString());
        }
        Map<String, Object> request = Map.of("name", "replicated", "bucket", "replicated-bucket",
                "region", "us-east-1", "replicas", 3);
        Api.Response created = api(a).withBearer(ADMIN_TOKEN).post("/api/v1/file-systems", request);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String fsId = created.json().get("id").asString();
        a.getBean(FileSystemAssignments.class).place(Instant.now());
        List<String> members = members(fsId);
        assertThat(members).hasSize(3).isSubsetOf(nodes);
        String silent = members.getFirst();
        jdbc().sql("update node set last_heartbeat_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minus(Duration.ofDays(1))), silent).update();

        List<FileSystemAssignments> placers = List.of(a.getBean(FileSystemAssignments.class),
                b.getBean(FileSystemAssignments.class));
        int runs = 8;
        CyclicBarrier start = new CyclicBarrier(runs);
        try (ExecutorService pool = Executors.newFixedThreadPool(runs)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                FileSystemAssignments placer = placers.get(i % 2);
                done.add(pool.submit(() -> {
                    start.await();
                    placer.place(Instant.now());
                    return null;
                }));
            }
            for (Future<?> run : done) {
                run.get();
            }
        }

        List<String> after = members(fsId);
        assertThat(after).hasSize(3).doesNotHaveDuplicates().doesNotContain(silent);
        assertThat(Pattern.compile("file system " + fsId + ": node " + silent + " .* is replaced in its group")
                .matcher(output.getAll()).results().count()).as("replaced once, by one instance").isOne();
    }

    private static JdbcClient jdbc() {
        return a.getBean(JdbcClient.class);
    }

    private static List<String> members(String fileSystemId) {
        return jdbc().sql("select node_id from file_system_member where file_system_id = ? order by position")
                .param(fileSystemId).query(String.class).list();
    }

    private static JsonNode nodeOf(ConfigurableApplicationContext context, String nodeId) {
        Api.Response nodes = api(context).withBearer(ADMIN_TOKEN).get("/api/v1/nodes");
        assertThat(nodes.status()).as(nodes.toString()).isEqualTo(200);
        for (JsonNode node : nodes.json()) {
            if (node.get("id").asString().equals(nodeId)) {
                return node;
            }
        }
        throw new AssertionError("no node " + nodeId + " in " + nodes);
    }

    private static JsonNode register(ConfigurableApplicationContext context, String name, String address,
                                     String zone, String replicationAddress) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("address", address);
        try {
            body.put("csr", TestCsr.pem(TestCsr.ecKeyPair()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (zone != null) {
            body.put("zone", zone);
            body.put("replicationAddress", replicationAddress);
        }
        Api.Response registered = api(context).withBearer(BOOTSTRAP_TOKEN).post("/api/v1/nodes", body);
        assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
        return registered.json();
    }
}
