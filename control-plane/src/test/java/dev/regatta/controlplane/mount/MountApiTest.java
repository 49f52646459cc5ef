package dev.regatta.controlplane.mount;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.regatta.controlplane.EmbeddedDatabaseTest;
import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.ca.TestCsr;
import dev.regatta.controlplane.mount.sts.Caller;
import dev.regatta.controlplane.mount.sts.FakeSts;
import dev.regatta.controlplane.mount.sts.ProofSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code POST /api/v1/mounts} over real HTTP, with real SigV4 signatures checked by a fake STS in WireMock, on the
 * embedded PostgreSQL with the real certificate authority. Each test mounts from its own loopback address
 * (127.0.x.y), so that the per-source rate limit and the audit rows of one test are its own.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "regatta.sts.timeout=2s",
        "regatta.admin.initial-token=" + MountApiTest.ADMIN_TOKEN,
        "regatta.mounts.failed-attempts-per-source=5",
        "regatta.mounts.failure-window=10m"})
class MountApiTest extends EmbeddedDatabaseTest {

    static final String ADMIN_TOKEN = "rgt_mount-api-test-admin-token-5c2e";
    private static final String ACCOUNT = "123456789012";
    private static final FakeSts FAKE_STS = new FakeSts();
    private static final WireMockServer STS = new WireMockServer(options().dynamicPort().extensions(FAKE_STS));
    /** Any other server: nothing may ever reach it. */
    private static final WireMockServer ELSEWHERE = new WireMockServer(options().dynamicPort());
    /** An allowed STS endpoint nobody listens on. */
    private static final int DEAD_PORT = freePort();
    private static final AtomicInteger SOURCES = new AtomicInteger(new SecureRandom().nextInt(50_000));

    static {
        STS.start();
        ELSEWHERE.start();
    }

    @DynamicPropertySource
    static void stsEndpoints(DynamicPropertyRegistry registry) {
        registry.add("regatta.sts.allowed-endpoints",
                () -> "http://localhost:" + STS.port() + ",http://127.0.0.1:" + DEAD_PORT);
    }

    @AfterAll
    static void stopServers() {
        STS.stop();
        ELSEWHERE.stop();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JsonMapper json;

    private final Caller appSession = Caller.roleSession(ACCOUNT, "app", "i-0abc");
    private final Caller alice = Caller.user(ACCOUNT, "alice");
    private final Caller stranger = Caller.roleSession("210987654321", "app", "i-0def");
    private String serverId;
    private InetAddress source;
    private HttpClient client;

    @BeforeEach
    void setUp() throws Exception {
        STS.resetAll();
        ELSEWHERE.resetAll();
        STS.stubFor(post("/").willReturn(aResponse().withTransformers(FakeSts.NAME)));
        ELSEWHERE.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        List.of(appSession, alice, stranger).forEach(FAKE_STS::know);
        serverId = json.readTree(get("/api/v1/service").body()).get("serverId").asString();
        useNewSource();
    }

    private void useNewSource() throws Exception {
        int n = SOURCES.incrementAndGet();
        source = InetAddress.getByName("127.0." + (n / 250 % 250) + "." + (n % 250 + 2));
        client = HttpClient.newBuilder().localAddress(source).build();
    }

    // ---- admitted mounts

    @Test
    void aSessionOfAGrantedRoleGetsAClientCertificateFromTheCa() throws Exception {
        String node = node("10.0.0.5:20490", Instant.now());
        String fs = fileSystem(node);
        String grant = grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_WRITE");
        KeyPair keys = TestCsr.ecKeyPair();

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), TestCsr.pem(keys));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = json.readTree(response.body());
        String mountId = body.get("mountId").asString();
        assertThat(mountId).matches("mount-[0-9a-f]{17}");
        assertThat(body.get("fileSystemId").asString()).isEqualTo(fs);
        assertThat(body.get("nodeAddress").asString()).isEqualTo("10.0.0.5:20490");
        assertThat(body.get("memberAddresses").toString()).as("a group of one").isEqualTo("[\"10.0.0.5:20490\"]");
        assertThat(body.get("access").asString()).isEqualTo("READ_WRITE");
        assertThat(body.get("principal").asString()).isEqualTo(appSession.arn());

        X509Certificate ca = certificate(body.get("caCertificates").get(0).asString());
        X509Certificate cert = certificate(body.get("certificate").asString());
        cert.verify(ca.getPublicKey());
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(cert.getPublicKey()).as("the CSR's key").isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Regatta,CN=" + mountId);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(uris(cert)).containsExactly("regatta:fs:" + fs, "regatta:access:read-write",
                "regatta:grant:" + grant, appSession.arn());
        assertThat(cert.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofHours(1)), within(Duration.ofMinutes(1)));
        assertThat(Instant.parse(body.get("expiresAt").asString())).isEqualTo(cert.getNotAfter().toInstant());

        Map<String, Object> session = jdbc.sql("select * from mount_session where id = ?").param(mountId)
                .query().singleRow();
        assertThat(session).containsEntry("file_system_id", fs).containsEntry("grant_id", grant)
                .containsEntry("principal_arn", appSession.arn()).containsEntry("access", "READ_WRITE")
                .containsEntry("client_address", source.getHostAddress()).containsEntry("node_id", node)
                .containsEntry("certificate_serial", HexFormat.of().formatHex(cert.getSerialNumber().toByteArray()));
        assertThat(audit()).singleElement().satisfies(row -> {
            assertThat(row).containsEntry("decision", "ALLOWED").containsEntry("status", 201)
                    .containsEntry("file_system_id", fs).containsEntry("principal_arn", appSession.arn())
                    .containsEntry("source_address", source.getHostAddress());
            assertThat((String) row.get("reason")).contains(mountId, grant, node);
        });
    }

    @Test
    void stsReceivesExactlyTheSignedHeadersAndBody() throws Exception {
        String fs = fileSystem(node("10.0.0.5:20490", Instant.now()));
        grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_WRITE");
        Map<String, String> proof = proof(appSession, fs);
        Map<String, String> withExtra = new LinkedHashMap<>(proof);
        withExtra.put("X-Smuggled", "not signed, not sent");

        assertThat(mount(fs, "READ_WRITE", withExtra, csr()).statusCode()).isEqualTo(201);

        List<LoggedRequest> received = STS.findAll(anyRequestedFor(anyUrl()));
        assertThat(received).hasSize(1);
        LoggedRequest request = received.getFirst();
        assertThat(request.getMethod().value()).isEqualTo("POST");
        assertThat(request.getUrl()).isEqualTo("/");
        assertThat(request.getBodyAsString()).isEqualTo(ProofSigner.BODY);
        assertThat(proof.keySet()).contains("Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization",
                "Content-Type", "x-regatta-server-id", "x-regatta-fs-id");
        proof.forEach((name, value) -> assertThat(request.getHeader(name)).as(name).isEqualTo(value));
        assertThat(request.getHeader("Content-Length")).isEqualTo(Integer.toString(ProofSigner.BODY.length()));
        assertThat(request.containsHeader("X-Smuggled")).isFalse();
    }

    @Test
    void aUserGrantAdmitsThatUser() throws Exception {
        String fs = fileSystem(node("10.0.0.6:20490", Instant.now()));
        String grant = grant(fs, alice.arn(), "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(alice, fs), csr());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json.readTree(response.body()).get("principal").asString()).isEqualTo(alice.arn());
        assertThat(uris(certificate(json.readTree(response.body()).get("certificate").asString())))
                .contains("regatta:grant:" + grant, alice.arn());
    }

    @Test
    void anAccountGrantAdmitsItsPrincipalsAndAReadOnlyMountGetsAReadOnlyCertificate() throws Exception {
        String fs = fileSystem(node("10.0.0.7:20490", Instant.now()));
        String grant = grant(fs, ACCOUNT, "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_ONLY", proof(appSession, fs), csr());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("access").asString()).isEqualTo("READ_ONLY");
        assertThat(uris(certificate(body.get("certificate").asString())))
                .contains("regatta:access:read-only", "regatta:grant:" + grant);
    }

    // ---- renewals: the same session, a new certificate

    @Test
    void aRenewalKeepsTheMountIdAndUpdatesItsSession() throws Exception {
        String firstNode = node("10.0.0.5:20490", Instant.now());
        String fs = fileSystem(firstNode);
        String grant = grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_WRITE");
        String mountId = mounted(fs, appSession);
        Map<String, Object> before = session(mountId);
        // The file system moved to another node since: the renewal says where it is now.
        String secondNode = node("10.0.0.9:20490", Instant.now());
        jdbc.sql("update file_system_member set node_id = ? where file_system_id = ?").params(secondNode, fs).update();
        useNewSource();
        KeyPair keys = TestCsr.ecKeyPair();

        HttpResponse<String> response = renew(fs, "READ_WRITE", proof(appSession, fs), TestCsr.pem(keys), mountId);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("mountId").asString()).isEqualTo(mountId);
        assertThat(body.get("nodeAddress").asString()).isEqualTo("10.0.0.9:20490");
        X509Certificate cert = certificate(body.get("certificate").asString());
        assertThat(cert.getPublicKey()).as("the renewal's key").isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Regatta,CN=" + mountId);
        assertThat(uris(cert)).containsExactly("regatta:fs:" + fs, "regatta:access:read-write",
                "regatta:grant:" + grant, appSession.arn());

        assertThat(jdbc.sql("select count(*) from mount_session where file_system_id = ?").param(fs)
                .query(Integer.class).single()).as("still one session").isEqualTo(1);
        Map<String, Object> after = session(mountId);
        assertThat(after).containsEntry("renewal_count", 1).containsEntry("node_id", secondNode)
                .containsEntry("client_address", source.getHostAddress()).containsEntry("ended_at", null)
                .containsEntry("created_at", before.get("created_at"))
                .containsEntry("certificate_serial", HexFormat.of().formatHex(cert.getSerialNumber().toByteArray()));
        assertThat(after.get("certificate_serial")).isNotEqualTo(before.get("certificate_serial"));
        assertThat(((Timestamp) after.get("certificate_expires_at")).toInstant())
                .isEqualTo(cert.getNotAfter().toInstant());
        assertThat(after.get("renewed_at")).isNotNull();
        assertThat(audit()).singleElement().satisfies(row -> {
            assertThat(row).containsEntry("decision", "ALLOWED").containsEntry("status", 201)
                    .containsEntry("file_system_id", fs).containsEntry("principal_arn", appSession.arn());
            assertThat((String) row.get("reason")).startsWith("renewal 1 of mount " + mountId + " READ_WRITE")
                    .contains(grant, secondNode);
        });

        assertThat(renew(fs, "READ_WRITE", proof(appSession, fs), csr(), mountId).statusCode()).isEqualTo(201);
        assertThat(session(mountId)).containsEntry("renewal_count", 2);
        assertThat(admin("/api/v1/file-systems/" + fs + "/mounts").findValuesAsString("id"))
                .containsExactly(mountId);
    }

    @Test
    void aMountWhoseCertificateExpiredCanStillBeRenewed() throws Exception {
        String fs = grantedFileSystem();
        String mountId = mounted(fs, appSession);
        jdbc.sql("update mount_session set certificate_expires_at = now() - interval '10 minutes' where id = ?")
                .param(mountId).update();

        HttpResponse<String> response = renew(fs, "READ_WRITE", proof(appSession, fs), csr(), mountId);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json.readTree(response.body()).get("mountId").asString()).isEqualTo(mountId);
    }

    @Test
    void aRenewalByAnotherCallerIsRefusedAndLeavesTheSessionAlone() throws Exception {
        String fs = grantedFileSystem();
        grant(fs, alice.arn(), "READ_WRITE");
        String mountId = mounted(fs, appSession);
        Map<String, Object> before = session(mountId);

        HttpResponse<String> response = renew(fs, "READ_WRITE", proof(alice, fs), csr(), mountId);

        assertRefused(response, 409, "mount " + mountId + " was made by another IAM identity than " + alice.arn(),
                fs, alice.arn());
        assertThat(detail(response)).doesNotContain(appSession.arn());
        assertThat(session(mountId)).isEqualTo(before);
    }

    @Test
    void aRenewalOfAMountOfAnotherFileSystemOrOfNoMountIsRefused() throws Exception {
        String fs = grantedFileSystem();
        String other = grantedFileSystem();
        String mountId = mounted(fs, appSession);

        assertRefused(renew(other, "READ_WRITE", proof(appSession, other), csr(), mountId), 409,
                "there is no mount " + mountId + " of " + other + " to renew", other, appSession.arn());
        String unknown = Ids.newId("mount");
        assertRefused(renew(fs, "READ_WRITE", proof(appSession, fs), csr(), unknown), 409,
                "there is no mount " + unknown + " of " + fs + " to renew", fs, appSession.arn());
        assertRefused(renew(fs, "READ_ONLY", proof(appSession, fs), csr(), mountId), 409,
                "mount " + mountId + " is READ_WRITE and a renewal keeps its access", fs, appSession.arn());
        assertThat(jdbc.sql("select count(*) from mount_session where file_system_id in (?, ?)").params(fs, other)
                .query(Integer.class).single()).isEqualTo(1);
        assertThat(session(mountId)).containsEntry("renewal_count", 0);

        HttpResponse<String> malformed = renew(fs, "READ_WRITE", proof(appSession, fs), csr(), "mount-nope");
        assertRefused(malformed, 400, "renews must be mount- and 17 lowercase hex digits", fs, null);
    }

    @Test
    void aRenewalOfAnEndedMountIsRefused() throws Exception {
        String fs = grantedFileSystem();
        String mountId = mounted(fs, appSession);
        assertThat(reportUnmount(mountId, fs, proof(appSession, fs)).statusCode()).isEqualTo(200);

        HttpResponse<String> response = renew(fs, "READ_WRITE", proof(appSession, fs), csr(), mountId);

        assertRefused(response, 409, "mount " + mountId + " ended at ", fs, appSession.arn());
        assertThat(detail(response)).contains("cannot be renewed: mount anew, without renews");
        assertThat(session(mountId)).containsEntry("renewal_count", 0);
    }

    @Test
    void aRenewalWhoseGrantWasRemovedIsForbiddenAndTheSessionGoesOnUntilItsCertificateExpires() throws Exception {
        String fs = fileSystem(node("10.0.0.5:20490", Instant.now()));
        String grant = grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_WRITE");
        String mountId = mounted(fs, appSession);
        Map<String, Object> before = session(mountId);
        jdbc.sql("delete from access_grant where id = ?").param(grant).update();

        HttpResponse<String> response = renew(fs, "READ_WRITE", proof(appSession, fs), csr(), mountId);

        assertRefused(response, 403, "no grant of " + fs + " admits " + appSession.arn(), fs, appSession.arn());
        Map<String, Object> after = session(mountId);
        assertThat(after).containsEntry("renewal_count", 0).containsEntry("ended_at", null)
                .containsEntry("certificate_serial", before.get("certificate_serial"));
    }

    // ---- unmount reports: the session ends

    @Test
    void anUnmountReportEndsTheSessionAndTheListOfMountsHidesIt() throws Exception {
        String fs = grantedFileSystem();
        String mountId = mounted(fs, appSession);
        String other = mounted(fs, appSession);
        assertThat(admin("/api/v1/file-systems/" + fs + "/mounts").findValuesAsString("id"))
                .containsExactlyInAnyOrder(mountId, other);

        HttpResponse<String> response = reportUnmount(mountId, fs, proof(appSession, fs));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("mountId").asString()).isEqualTo(mountId);
        assertThat(body.get("fileSystemId").asString()).isEqualTo(fs);
        assertThat(body.get("principal").asString()).isEqualTo(appSession.arn());
        assertThat(body.get("endReason").asString())
                .isEqualTo("unmount reported by the client from " + source.getHostAddress());
        Instant endedAt = Instant.parse(body.get("endedAt").asString());
        assertThat(endedAt).isCloseTo(Instant.now(), within(Duration.ofMinutes(1)));
        Map<String, Object> session = session(mountId);
        assertThat(((Timestamp) session.get("ended_at")).toInstant()).isEqualTo(endedAt);
        assertThat(session).containsEntry("end_reason", body.get("endReason").asString());
        assertThat(session(other)).containsEntry("ended_at", null);
        assertThat(audit().getLast()).satisfies(row -> {
            assertThat(row).containsEntry("decision", "ALLOWED").containsEntry("status", 200)
                    .containsEntry("file_system_id", fs).containsEntry("principal_arn", appSession.arn());
            assertThat((String) row.get("reason")).isEqualTo("unmount of mount " + mountId
                    + " reported: its session ended");
        });

        assertThat(admin("/api/v1/file-systems/" + fs + "/mounts").findValuesAsString("id"))
                .as("live mounts").containsExactly(other);
        JsonNode ended = admin("/api/v1/file-systems/" + fs + "/mounts?state=ENDED");
        assertThat(ended.findValuesAsString("id")).containsExactly(mountId);
        assertThat(ended.get(0).get("state").asString()).isEqualTo("ENDED");
        assertThat(admin("/api/v1/file-systems/" + fs).get("activeMountCount").asInt()).isEqualTo(1);

        HttpResponse<String> again = reportUnmount(mountId, fs, proof(appSession, fs));
        assertThat(again.statusCode()).as("a repeated report").isEqualTo(200);
        assertThat(Instant.parse(json.readTree(again.body()).get("endedAt").asString())).isEqualTo(endedAt);
        assertThat((String) audit().getLast().get("reason")).isEqualTo("unmount of mount " + mountId
                + " reported again: its session had ended at " + endedAt);
    }

    @Test
    void anUnmountReportByAnotherCallerIsForbidden() throws Exception {
        String fs = grantedFileSystem();
        String mountId = mounted(fs, appSession);

        HttpResponse<String> response = reportUnmount(mountId, fs, proof(alice, fs));

        assertRefused(response, 403, "mount " + mountId + " was made by another IAM identity than " + alice.arn()
                + ": only the identity that mounted can report its unmount", fs, alice.arn());
        assertThat(response.body()).contains("\"title\":\"Unmount report refused\"");
        assertThat(session(mountId)).containsEntry("ended_at", null);
    }

    @Test
    void anUnmountReportNeedsAProofNeverUsedBefore() throws Exception {
        String fs = grantedFileSystem();
        Map<String, String> mountProof = proof(appSession, fs);
        HttpResponse<String> mounted = mount(fs, "READ_WRITE", mountProof, csr());
        String mountId = json.readTree(mounted.body()).get("mountId").asString();
        STS.resetRequests();

        assertRefused(reportUnmount(mountId, fs, mountProof), 400, "already used", fs, null);
        assertStsNotCalled();
        assertThat(session(mountId)).containsEntry("ended_at", null);

        Map<String, String> unmountProof = proof(appSession, fs);
        assertThat(reportUnmount(mountId, fs, unmountProof).statusCode()).isEqualTo(200);
        STS.resetRequests();
        assertRefused(reportUnmount(mountId, fs, unmountProof), 400, "already used", fs, null);
        assertRefused(mount(fs, "READ_WRITE", unmountProof, csr()), 400, "already used", fs, null);
        assertStsNotCalled();
    }

    @Test
    void anUnmountReportOfNoSuchMountOrABadOneIsRefused() throws Exception {
        String fs = grantedFileSystem();
        String other = grantedFileSystem();
        String mountId = mounted(fs, appSession);

        assertRefused(reportUnmount(mountId, other, proof(appSession, other)), 404,
                "there is no mount " + mountId + " of " + other, other, appSession.arn());
        assertRefused(reportUnmount("mount-x", fs, proof(appSession, fs)), 400, "'mount-x' in the path is not a "
                + "mount ID", fs, null);
        assertRefused(reportUnmount(mountId, fs, ProofSigner.sign(appSession, sts(), "rg-00000000deadbeef", fs,
                Clock.systemUTC())), 400, "x-regatta-server-id", fs, null);
        HttpResponse<String> notJson = postJson("/api/v1/mounts/" + mountId + "/unmount", "{\"fileSystemId\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(detail(notJson)).startsWith("the body is not an unmount report");
        assertThat(session(mountId)).containsEntry("ended_at", null);
        assertThat(audit()).hasSize(5).last().satisfies(row -> assertThat(row).containsEntry("decision", "REFUSED"));
    }

    // ---- refusals of a proof that is not good enough, before STS is asked

    @Test
    void aProofAdmitsOneMountOnly() throws Exception {
        String fs = grantedFileSystem();
        Map<String, String> proof = proof(appSession, fs);
        assertThat(mount(fs, "READ_WRITE", proof, csr()).statusCode()).isEqualTo(201);
        STS.resetRequests();

        HttpResponse<String> replayed = mount(fs, "READ_WRITE", proof, csr());

        assertRefused(replayed, 400, "already used", fs, null);
        assertStsNotCalled();
        // Signed a second later, so it differs even when the first was signed within this second.
        Map<String, String> another = ProofSigner.sign(appSession, sts(), serverId, fs,
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1)));
        assertThat(mount(fs, "READ_WRITE", another, csr()).statusCode()).as("a new proof").isEqualTo(201);
    }

    @Test
    void aProofForAnotherServerIsRefused() throws Exception {
        String fs = grantedFileSystem();
        HttpResponse<String> response = mount(fs, "READ_WRITE",
                ProofSigner.sign(appSession, sts(), "rg-00000000deadbeef", fs, Clock.systemUTC()), csr());

        assertRefused(response, 400, "x-regatta-server-id", fs, null);
        assertStsNotCalled();
    }

    @Test
    void aProofForAnotherFileSystemIsRefused() throws Exception {
        String fs = grantedFileSystem();
        String other = grantedFileSystem();
        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, other), csr());

        assertRefused(response, 400, "x-regatta-fs-id", fs, null);
        assertStsNotCalled();
    }

    @Test
    void aProofThatDoesNotSignTheFileSystemHeaderIsRefused() throws Exception {
        String fs = grantedFileSystem();
        Map<String, String> unsignedFs = signWithout("x-regatta-fs-id", fs);
        assertThat(unsignedFs.get("Authorization")).doesNotContain("x-regatta-fs-id");

        HttpResponse<String> response = mount(fs, "READ_WRITE", unsignedFs, csr());

        assertRefused(response, 400, "SignedHeaders must include x-regatta-fs-id", fs, null);
        assertStsNotCalled();
    }

    @Test
    void aProofSignedTwentyMinutesAgoHasExpired() throws Exception {
        String fs = grantedFileSystem();
        Clock twentyMinutesAgo = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20));
        HttpResponse<String> response = mount(fs, "READ_WRITE",
                ProofSigner.sign(appSession, sts(), serverId, fs, twentyMinutesAgo), csr());

        assertRefused(response, 400, "more than 15 minutes ago", fs, null);
        assertStsNotCalled();
    }

    @Test
    void aProofSignedTenMinutesAheadIsRefused() throws Exception {
        String fs = grantedFileSystem();
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
        HttpResponse<String> response = mount(fs, "READ_WRITE",
                ProofSigner.sign(appSession, sts(), serverId, fs, ahead), csr());

        assertRefused(response, 400, "in the future", fs, null);
        assertStsNotCalled();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://localhost:ELSEWHERE/",                // another port
            "http://127.0.0.1:STS/",                      // the same server under another name
            "http://localhost.ELSEWHERE.example:STS/",    // a lookalike host
            "http://localhost:STS@127.0.0.1:ELSEWHERE/",  // userinfo that looks like the allowed host
            "https://localhost:STS/",                     // another scheme
            "http://localhost:STS/?Action=GetCallerIdentity",
            "http://localhost:STS/other"})
    void aProofForAnUnallowedStsUrlGoesNowhere(String template) throws Exception {
        String fs = grantedFileSystem();
        String url = template.replace("ELSEWHERE", Integer.toString(ELSEWHERE.port()))
                .replace("STS", Integer.toString(STS.port()));
        HttpResponse<String> response = mountWith(fs, "READ_WRITE", stsRequest("POST", url, proof(appSession, fs),
                ProofSigner.BODY), csr());

        assertRefused(response, 400, "stsRequest.url", fs, null);
        assertStsNotCalled();
        assertThat(ELSEWHERE.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void onlyGetCallerIdentityIsSentToSts() throws Exception {
        String fs = grantedFileSystem();
        HttpResponse<String> assumeRole = mountWith(fs, "READ_WRITE", stsRequest("POST", sts().toString(),
                proof(appSession, fs), "Action=AssumeRole&Version=2011-06-15&RoleArn=x"), csr());
        assertThat(assumeRole.statusCode()).isEqualTo(400);
        assertThat(detail(assumeRole)).contains("must be GetCallerIdentity");

        HttpResponse<String> queryForm = mountWith(fs, "READ_WRITE", stsRequest("GET", sts().toString(),
                proof(appSession, fs), ""), csr());
        assertThat(queryForm.statusCode()).isEqualTo(400);
        assertThat(detail(queryForm)).contains("must be POST");
        assertStsNotCalled();
        assertThat(audit()).hasSize(2).allSatisfy(row -> assertThat(row).containsEntry("decision", "REFUSED"));
    }

    @Test
    void aMalformedBodyIsRefusedAndAudited() throws Exception {
        HttpResponse<String> notJson = postMount("{\"fileSystemId\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> badFields = postMount(json.writeValueAsString(Map.of("fileSystemId", "fs-nope",
                "access", "READ_WRITE", "csr", "x")));
        assertThat(badFields.statusCode()).isEqualTo(400);
        assertThat(detail(badFields)).contains("fileSystemId must be fs- and 17 lowercase hex digits",
                "stsRequest must not be null", "csr must be a PEM certificate signing request");

        HttpResponse<String> badAccess = postMount("{\"fileSystemId\":\"fs-0123456789abcdef0\",\"access\":\"ALL\"}");
        assertThat(badAccess.statusCode()).isEqualTo(400);
        assertThat(detail(badAccess)).contains("the body is not a mount request");

        assertThat(audit()).hasSize(3).allSatisfy(row -> assertThat(row)
                .containsEntry("decision", "REFUSED").containsEntry("status", 400)
                .containsEntry("file_system_id", null));
        assertStsNotCalled();
    }

    @Test
    void aMountRequestWithAnUnknownRepeatedOrMistypedFieldIsRefusedNamingIt() throws Exception {
        String fs = grantedFileSystem();
        String valid = json.writeValueAsString(Map.of("fileSystemId", fs, "access", "READ_WRITE",
                "stsRequest", stsRequest("POST", sts().toString(), proof(appSession, fs), ProofSigner.BODY),
                "csr", csr()));
        String body = valid.substring(0, valid.length() - 1);

        for (Map.Entry<String, String> request : Map.of(
                "colour", body + ", \"colour\": \"blue\"}",
                "access", body + ", \"access\": \"READ_ONLY\"}",
                "fileSystemId", body.replace("\"fileSystemId\":\"" + fs + "\"", "\"fileSystemId\":17") + "}",
                "csr", body.replace("\"csr\":\"", "\"csr\":\"" + "A".repeat(20_000)) + "}").entrySet()) {
            HttpResponse<String> refused = postMount(request.getValue());
            assertThat(refused.statusCode()).as(request.getKey() + ": " + refused.body()).isEqualTo(400);
            assertThat(detail(refused)).as(request.getKey()).contains(request.getKey())
                    .doesNotContain("dev.regatta", "java.");
        }
        assertStsNotCalled();
        assertThat(audit()).hasSize(4).allSatisfy(row -> assertThat(row).containsEntry("status", 400));
        assertThat(postMount(valid).statusCode()).as("the same request, well formed").isEqualTo(201);
    }

    @Test
    void anUnknownFileSystemIsNotFound() throws Exception {
        String fs = "fs-0123456789abcdef0";
        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertRefused(response, 404, "there is no file system " + fs, fs, null);
        assertStsNotCalled();
    }

    // ---- refusals that need STS's answer

    @Test
    void aTamperedSignatureIsRejectedBySts() throws Exception {
        String fs = grantedFileSystem();
        Map<String, String> proof = new LinkedHashMap<>(proof(appSession, fs));
        String authorization = proof.get("Authorization");
        char last = authorization.charAt(authorization.length() - 1);
        proof.put("Authorization", authorization.substring(0, authorization.length() - 1) + (last == '0' ? '1' : '0'));

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof, csr());

        assertRefused(response, 403, "STS rejected the proof (HTTP 403, SignatureDoesNotMatch)", fs, null);
        assertThat(STS.findAll(anyRequestedFor(anyUrl()))).hasSize(1);
    }

    @Test
    void aCallerWithoutAGrantIsForbidden() throws Exception {
        String fs = grantedFileSystem();
        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(stranger, fs), csr());

        assertRefused(response, 403, "no grant of " + fs + " admits " + stranger.arn(), fs, stranger.arn());
    }

    @Test
    void aReadOnlyGrantRefusesAWriteMountEvenUnderAReadWriteAccountGrant() throws Exception {
        String fs = fileSystem(node("10.0.0.5:20490", Instant.now()));
        grant(fs, ACCOUNT, "READ_WRITE");
        String readOnly = grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_ONLY");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertRefused(response, 403, "grant " + readOnly, fs, appSession.arn());
        assertThat(detail(response)).contains("read-only", "READ_ONLY");
    }

    @Test
    void aFileSystemWithoutALiveNodeIsUnavailable() throws Exception {
        String fs = fileSystem(node("10.0.0.5:20490", Instant.now().minus(Duration.ofMinutes(5))));
        grant(fs, ACCOUNT, "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertRefused(response, 503, "no live data-plane node serves " + fs, fs, appSession.arn());
    }

    // ---- groups of 3: mounts go to the leader

    @Test
    void aMountOfAGroupGoesToItsLeaderAndNamesEveryLiveMember() throws Exception {
        String follower = node("10.0.2.1:20490", Instant.now());
        String leader = node("10.0.2.2:20490", Instant.now());
        String down = node("10.0.2.3:20490", Instant.now().minus(Duration.ofMinutes(5)));
        String fs = group(List.of(follower, leader, down), List.of("follower", "leader", "leader"),
                List.of(3L, 3L, 5L));
        grant(fs, ACCOUNT, "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("nodeAddress").asString()).as("a silent member leads no more, whatever its term")
                .isEqualTo("10.0.2.2:20490");
        assertThat(body.get("memberAddresses").toString()).isEqualTo("[\"10.0.2.2:20490\",\"10.0.2.1:20490\"]");
        String mountId = body.get("mountId").asString();
        assertThat(session(mountId)).containsEntry("node_id", leader);
        assertThat((String) audit().getLast().get("reason")).contains("via node " + leader);

        // Between leaders (the old one is only starting again): the first live member; the tunnel finds the leader.
        jdbc.sql("update file_system_member set role = 'starting' where node_id = ?").param(leader).update();
        HttpResponse<String> renewed = renew(fs, "READ_WRITE", proof(appSession, fs), csr(), mountId);
        assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(201);
        JsonNode renewal = json.readTree(renewed.body());
        assertThat(renewal.get("nodeAddress").asString()).isEqualTo("10.0.2.1:20490");
        assertThat(renewal.get("memberAddresses").toString()).isEqualTo("[\"10.0.2.1:20490\",\"10.0.2.2:20490\"]");
        assertThat(session(mountId)).containsEntry("node_id", follower);
    }

    @Test
    void aGroupNotPlacedYetIsUnavailableSayingWhatItWaitsFor() throws Exception {
        String fs = group(List.of(), List.of(), List.of());
        grant(fs, ACCOUNT, "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertRefused(response, 503, "no live data-plane node serves " + fs + ": file system " + fs
                + " needs 3 live nodes with a replication address", fs, appSession.arn());
    }

    @Test
    void aGroupWithoutALiveMemberIsUnavailable() throws Exception {
        Instant longAgo = Instant.now().minus(Duration.ofHours(1));
        String fs = group(List.of(node("10.0.2.4:20490", longAgo), node("10.0.2.5:20490", longAgo),
                node("10.0.2.6:20490", longAgo)), List.of("leader", "follower", "follower"), List.of(1L, 1L, 1L));
        grant(fs, ACCOUNT, "READ_WRITE");

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertRefused(response, 503, "no live data-plane node serves " + fs + " (none of its nodes", fs,
                appSession.arn());
    }

    @Test
    void aGarbageCsrIsRefusedWithoutAskingSts() throws Exception {
        String fs = grantedFileSystem();
        String csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
        Map<String, String> proof = proof(appSession, fs);

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof, csr);

        assertRefused(response, 400, "the CSR cannot be certified", fs, null);
        assertStsNotCalled();
        assertThat(jdbc.sql("select count(*) from mount_session where file_system_id = ?").param(fs)
                .query(Integer.class).single()).isZero();
        assertThat(mount(fs, "READ_WRITE", proof, csr()).statusCode())
                .as("the proof was not used up by the refused request").isEqualTo(201);
    }

    // ---- STS itself failing

    @Test
    void anUnreachableStsIsUnavailable() throws Exception {
        String fs = grantedFileSystem();
        URI dead = URI.create("http://127.0.0.1:" + DEAD_PORT + "/");
        HttpResponse<String> response = mountWith(fs, "READ_WRITE", stsRequest("POST", dead.toString(),
                ProofSigner.sign(appSession, dead, serverId, fs, Clock.systemUTC()), ProofSigner.BODY), csr());

        assertRefused(response, 503, "is unreachable", fs, null);
    }

    @Test
    void stsFailingOrTooSlowIsUnavailable() throws Exception {
        String fs = grantedFileSystem();
        STS.stubFor(post("/").willReturn(aResponse().withStatus(500)));
        assertRefused(mount(fs, "READ_WRITE", proof(appSession, fs), csr()), 503, "HTTP 500", fs, null);

        STS.stubFor(post("/").willReturn(aResponse().withStatus(400).withBody("""
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
                <Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>""")));
        HttpResponse<String> throttled = mount(fs, "READ_WRITE", proof(appSession, fs), csr());
        assertThat(throttled.statusCode()).isEqualTo(503);
        assertThat(detail(throttled)).contains("Throttling");

        STS.stubFor(post("/").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertThat(mount(fs, "READ_WRITE", proof(appSession, fs), csr()).statusCode()).isEqualTo(503);

        STS.stubFor(post("/").willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));
        HttpResponse<String> slow = mount(fs, "READ_WRITE", proof(appSession, fs), csr());
        assertThat(slow.statusCode()).isEqualTo(503);
        assertThat(detail(slow)).contains("did not answer within 2 s");

        STS.stubFor(post("/").willReturn(aResponse().withStatus(200).withBody("""
                <?xml version="1.0"?>
                <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                <GetCallerIdentityResult><Arn>&x;</Arn><UserId>u</UserId><Account>123456789012</Account>
                </GetCallerIdentityResult></GetCallerIdentityResponse>""")));
        HttpResponse<String> entity = mount(fs, "READ_WRITE", proof(appSession, fs), csr());
        assertThat(entity.statusCode()).isEqualTo(503);
        assertThat(detail(entity)).contains("not a GetCallerIdentity response").doesNotContain("root:");
    }

    // ---- rate limit

    @Test
    void aSourceRefusedTooOftenIsToldToWaitWithoutAskingSts() throws Exception {
        String fs = grantedFileSystem();
        for (int i = 0; i < 5; i++) {
            assertThat(mount(fs, "READ_WRITE", ProofSigner.sign(appSession, sts(), "rg-00000000deadbeef", fs,
                    Clock.systemUTC()), csr()).statusCode()).isEqualTo(400);
        }

        HttpResponse<String> response = mount(fs, "READ_WRITE", proof(appSession, fs), csr());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(590L, 600L);
        assertThat(detail(response)).contains("5 refused mount attempts from " + source.getHostAddress());
        assertStsNotCalled();
        assertThat(audit()).hasSize(6).last().satisfies(row -> assertThat(row)
                .containsEntry("decision", "REFUSED").containsEntry("status", 429));

        useNewSource();
        assertThat(mount(fs, "READ_WRITE", proof(appSession, fs), csr()).statusCode())
                .as("another source is not limited").isEqualTo(201);
    }

    @Test
    void aThrottledSourceWritesOneAuditRowPerWindowWithItsCount(CapturedOutput output) throws Exception {
        String fs = grantedFileSystem();
        for (int i = 0; i < 5; i++) {
            assertThat(mount(fs, "READ_WRITE", ProofSigner.sign(appSession, sts(), "rg-00000000deadbeef", fs,
                    Clock.systemUTC()), csr()).statusCode()).isEqualTo(400);
        }
        for (int i = 0; i < 30; i++) {
            assertThat(postMount("{\"fileSystemId\": ").statusCode()).isEqualTo(429);
        }

        List<Map<String, Object>> rows = audit();
        assertThat(rows).hasSize(6);
        assertThat(rows.subList(0, 5)).allSatisfy(row -> assertThat(row).containsEntry("status", 400)
                .containsEntry("count", 1).containsEntry("last_at", null));
        Map<String, Object> throttled = rows.getLast();
        assertThat(throttled).containsEntry("decision", "REFUSED").containsEntry("status", 429)
                .containsEntry("count", 30);
        assertThat(((Timestamp) throttled.get("last_at")).toInstant())
                .isAfter(((Timestamp) throttled.get("at")).toInstant());
        assertThat(output.getAll().lines().filter(line -> line.contains("refused (429)")
                && line.contains("source=" + source.getHostAddress()))).hasSize(1);

        JsonNode shown = admin("/api/v1/audit-events?decision=REFUSED&limit=1000&since="
                + ((Timestamp) rows.getFirst().get("at")).toInstant());
        JsonNode event = java.util.stream.StreamSupport.stream(shown.spliterator(), false)
                .filter(e -> e.get("id").asLong() == (Long) throttled.get("id")).findFirst().orElseThrow();
        assertThat(event.get("count").asInt()).isEqualTo(30);
        assertThat(event.get("lastAt").asString()).isNotEmpty();
    }

    @Test
    void outagesDoNotCountAgainstASource() throws Exception {
        String fs = grantedFileSystem();
        STS.stubFor(post("/").willReturn(aResponse().withStatus(503)));
        for (int i = 0; i < 6; i++) {
            assertThat(mount(fs, "READ_WRITE", proof(appSession, fs), csr()).statusCode()).isEqualTo(503);
        }
        STS.stubFor(post("/").willReturn(aResponse().withTransformers(FakeSts.NAME)));

        assertThat(mount(fs, "READ_WRITE", proof(appSession, fs), csr()).statusCode()).isEqualTo(201);
    }

    // ---- logs

    @Test
    void signaturesTokensAndCsrsNeverReachTheLog(CapturedOutput output) throws Exception {
        String fs = grantedFileSystem();
        Map<String, String> proof = proof(appSession, fs);
        String csr = csr();
        assertThat(mount(fs, "READ_WRITE", proof, csr).statusCode()).isEqualTo(201);
        Map<String, String> tampered = new LinkedHashMap<>(proof);
        String zeroes = "0".repeat(64);
        tampered.put("Authorization", proof.get("Authorization").replaceAll("Signature=.*", "Signature=" + zeroes));
        assertThat(mount(fs, "READ_WRITE", tampered, csr).statusCode()).isEqualTo(403);

        String signature = proof.get("Authorization").replaceAll(".*Signature=", "");
        String csrBody = csr.lines().skip(1).findFirst().orElseThrow();
        assertThat(output.getAll()).contains("mount admitted", "mount refused (403)")
                .doesNotContain(signature, zeroes, appSession.sessionToken(), appSession.secretAccessKey(),
                        csrBody);
    }

    // ---- the service's identity

    @Test
    void theServerIdIsGeneratedOnceAndKept() throws Exception {
        assertThat(serverId).matches("rg-[0-9a-f]{16}");
        assertThat(jdbc.sql("select value from service_setting where name = 'server_id'").query(String.class)
                .single()).isEqualTo(serverId);
    }

    // ---- helpers

    private String grantedFileSystem() {
        String fs = fileSystem(node("10.0.0.5:20490", Instant.now()));
        grant(fs, "arn:aws:iam::" + ACCOUNT + ":role/app", "READ_WRITE");
        return fs;
    }

    private Map<String, String> proof(Caller caller, String fileSystemId) {
        return ProofSigner.sign(caller, sts(), serverId, fileSystemId, Clock.systemUTC());
    }

    /** A proof that carries the file system header without having signed it (the SDK signs all it is given). */
    private Map<String, String> signWithout(String header, String value) {
        Map<String, String> headers = new LinkedHashMap<>(ProofSigner.headersOf(ProofSigner.sign(
                SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(sts())
                        .putHeader("Content-Type", ProofSigner.CONTENT_TYPE)
                        .putHeader("x-regatta-server-id", serverId).build(),
                appSession.credentials(), ProofSigner.BODY, Clock.systemUTC())));
        headers.put(header, value);
        return headers;
    }

    private static URI sts() {
        return URI.create("http://localhost:" + STS.port() + "/");
    }

    private HttpResponse<String> mount(String fileSystemId, String access, Map<String, String> proofHeaders,
                                       String csr) throws Exception {
        return mountWith(fileSystemId, access, stsRequest("POST", sts().toString(), proofHeaders, ProofSigner.BODY), csr);
    }

    private HttpResponse<String> mountWith(String fileSystemId, String access, Map<String, Object> stsRequest,
                                           String csr)
            throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("fileSystemId", fileSystemId);
        body.put("access", access);
        body.put("stsRequest", stsRequest);
        body.put("csr", csr);
        return postMount(json.writeValueAsString(body));
    }

    /** A new mount of {@code fileSystemId} by {@code caller}; its ID. */
    private String mounted(String fileSystemId, Caller caller) throws Exception {
        HttpResponse<String> response = mount(fileSystemId, "READ_WRITE", proof(caller, fileSystemId), csr());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json.readTree(response.body()).get("mountId").asString();
    }

    private HttpResponse<String> renew(String fileSystemId, String access, Map<String, String> proofHeaders,
                                       String csr, String renews) throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("fileSystemId", fileSystemId);
        body.put("access", access);
        body.put("stsRequest", stsRequest("POST", sts().toString(), proofHeaders, ProofSigner.BODY));
        body.put("csr", csr);
        body.put("renews", renews);
        return postMount(json.writeValueAsString(body));
    }

    private HttpResponse<String> reportUnmount(String mountId, String fileSystemId, Map<String, String> proofHeaders)
            throws Exception {
        return postJson("/api/v1/mounts/" + mountId + "/unmount", json.writeValueAsString(Map.of(
                "fileSystemId", fileSystemId,
                "stsRequest", stsRequest("POST", sts().toString(), proofHeaders, ProofSigner.BODY))));
    }

    private Map<String, Object> session(String mountId) {
        return jdbc.sql("select * from mount_session where id = ?").param(mountId).query().singleRow();
    }

    /** An admin's GET, with the initial admin token. */
    private JsonNode admin(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static Map<String, Object> stsRequest(String method, String url, Map<String, String> headers,
                                                  String body) {
        return Map.of("method", method, "url", url, "headers", headers, "body", body);
    }

    private HttpResponse<String> postMount(String body) throws Exception {
        return postJson("/api/v1/mounts", body);
    }

    private HttpResponse<String> postJson(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String detail(HttpResponse<String> response) {
        return json.readTree(response.body()).get("detail").asString();
    }

    private void assertRefused(HttpResponse<String> response, int status, String reason, String fileSystemId,
                               String principal) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(detail(response)).contains(reason);
        assertThat(response.body()).doesNotContain("Signature=", "session-token-of");
        Map<String, Object> row = audit().getLast();
        assertThat(row).containsEntry("decision", "REFUSED").containsEntry("status", status)
                .containsEntry("file_system_id", fileSystemId).containsEntry("principal_arn", principal)
                .containsEntry("source_address", source.getHostAddress());
        assertThat((String) row.get("reason")).isEqualTo(detail(response));
    }

    private void assertStsNotCalled() {
        assertThat(STS.findAll(anyRequestedFor(anyUrl()))).as("requests STS received").isEmpty();
    }

    /** This test's audit rows, oldest first. */
    private List<Map<String, Object>> audit() {
        return new ArrayList<>(jdbc.sql("select * from audit_event where source_address = ? order by id")
                .param(source.getHostAddress()).query().listOfRows());
    }

    private String node(String address, Instant lastHeartbeat) {
        String id = Ids.newId("node");
        byte[] tokenHash = new byte[32];
        new SecureRandom().nextBytes(tokenHash);
        jdbc.sql("""
                        insert into node (id, name, address, token_hash, certificate_pem, registered_at,
                                          last_heartbeat_at)
                        values (?, ?, ?, ?, 'test', now(), ?)""")
                .param(id).param(id).param(address).param(tokenHash).param(Timestamp.from(lastHeartbeat)).update();
        return id;
    }

    /** A file system of one replica on this node. */
    private String fileSystem(String nodeId) {
        String id = Ids.newId("fs");
        jdbc.sql("""
                        insert into file_system (id, name, bucket, region, replicas, created_at, updated_at)
                        values (?, 'test', 'bucket', 'us-east-1', 1, now(), now())""")
                .param(id).update();
        jdbc.sql("insert into file_system_member (file_system_id, node_id, position, added_at) values (?, ?, 0, now())")
                .params(id, nodeId).update();
        return id;
    }

    /**
     * A file system of three replicas on these nodes, in position order (none: not placed yet), each having last
     * reported the role at the same index in the term at the same index.
     */
    private String group(List<String> nodeIds, List<String> roles, List<Long> terms) {
        String id = Ids.newId("fs");
        jdbc.sql("""
                        insert into file_system (id, name, bucket, region, replicas, created_at, updated_at)
                        values (?, 'test', 'bucket', 'us-east-1', 3, now(), now())""")
                .param(id).update();
        for (int position = 0; position < nodeIds.size(); position++) {
            jdbc.sql("""
                            insert into file_system_member (file_system_id, node_id, position, added_at, role, term,
                                applied_index, reported_at)
                            values (?, ?, ?, now(), ?, ?, 0, now())""")
                    .params(id, nodeIds.get(position), position, roles.get(position), terms.get(position)).update();
        }
        return id;
    }

    private String grant(String fileSystemId, String principal, String access) {
        String id = Ids.newId("grant");
        jdbc.sql("""
                        insert into access_grant (id, file_system_id, principal, access, created_at)
                        values (?, ?, ?, ?, clock_timestamp())""")
                .param(id).param(fileSystemId).param(principal).param(access).update();
        return id;
    }

    private static String csr() throws Exception {
        return TestCsr.pem(TestCsr.ecKeyPair());
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static List<String> uris(X509Certificate certificate) throws Exception {
        List<String> uris = new ArrayList<>();
        for (List<?> name : certificate.getSubjectAlternativeNames()) {
            if ((Integer) name.get(0) == 6) {
                uris.add((String) name.get(1));
            }
        }
        return uris;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
