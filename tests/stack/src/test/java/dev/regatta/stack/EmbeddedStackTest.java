package dev.regatta.stack;

import com.emc.ecs.nfsclient.nfs.NfsCreateMode;
import com.emc.ecs.nfsclient.nfs.NfsReadResponse;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default end to end: {@code regatta up} starts a local bucket, the control plane on its embedded
 * PostgreSQL and the data plane as a node of it; the test then uses it as an operator and a client would, through
 * the admin API, NFS (portmap on 111, like a real server), S3 and the mount endpoint. STS is WireMock, the only
 * stand-in. The methods run in order on one stack; the last one restarts it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedStackTest {

    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration SYNC = Duration.ofSeconds(90);
    private static final String ACCOUNT = "123456789012";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/app";
    private static final String SESSION = "arn:aws:sts::" + ACCOUNT + ":assumed-role/app/i-0stacktest";
    private static final AwsBasicCredentials CALLER = AwsBasicCredentials.create("AKIASTACKTEST0000001",
            "stack-test-secret-key");
    private static final Pattern FILE_SYSTEM_LINE = Pattern.compile(
            "regatta: file system (fs-[0-9a-f]{17}) \\(demo\\) exported as /fs-demo and /\\1");
    private static final Pattern NFS_LINE = Pattern.compile("regatta: nfs (127\\.0\\.0\\.1:\\d+) export /fs-demo");
    private static final Pattern TLS_LINE = Pattern.compile(
            "regatta: tls (127\\.0\\.0\\.1:\\d+) \\(the node's TLS front, for mount\\.regatta\\)");
    private static final Pattern SIGN_IN_LINE = Pattern.compile(
            "regatta: console sign-in (\\S+) / (\\S+) \\(kept in (\\S+/control-plane/admin-password)\\)");
    /** A grant change reaches the node with its next heartbeat (every 10 s). */
    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    private static final byte[] CONTENT = "written over NFS, read back from S3\n".getBytes(StandardCharsets.UTF_8);

    private Path dir;

    private StubSts sts;
    private RegattaUp up;
    private Api api;
    private String adminToken;
    private String fsId;
    private String nfsAddress;
    private String tlsAddress;
    private S3Client bucket;
    private URI metrics;
    private String bucketName;

    @BeforeAll
    void startStack(@TempDir Path dir) throws Exception {
        this.dir = dir;
        sts = StubSts.start().answer(CALLER.accessKeyId(), Optional.empty(), SESSION, ACCOUNT);
        startUp();
        Matcher s3 = up.seenLine(RegattaUp.S3_LINE);
        bucketName = s3.group(2);
        bucket = S3Client.builder().endpointOverride(URI.create(s3.group(1))).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.group(3), s3.group(4))))
                .build();
    }

    private void startUp() throws Exception {
        up = RegattaUp.start(dir.resolve("up.log"), sts.allowedByTheControlPlane(),
                "--data-dir", dir.resolve("data").toString(), "--s3-port", "0", "--api-port", "0",
                "--nfs-port", "0", "--tls-port", "0", "--portmap", "--metrics-port", "0", "--quiet-period", "1s");
        up.awaitLine("regatta: ready", START);
        Matcher apiLine = up.seenLine(RegattaUp.API_LINE);
        api = new Api(URI.create(apiLine.group(1)), apiLine.group(2));
        adminToken = apiLine.group(2);
        Matcher nfs = up.seenLine(NFS_LINE);
        nfsAddress = nfs.group(1);
        fsId = up.seenLine(FILE_SYSTEM_LINE).group(1);
        tlsAddress = up.seenLine(TLS_LINE).group(1);
        metrics = URI.create(up.seenLine(RegattaUp.METRICS_LINE).group(1));
    }

    @AfterAll
    void stopStack() throws Exception {
        try {
            if (up != null) {
                up.close();
            }
        } finally {
            if (bucket != null) {
                bucket.close();
            }
            if (sts != null) {
                sts.close();
            }
        }
    }

    @Test
    @Order(1)
    void upPrintsTheApiBeforeReadyAndItsNodeServesTheDemoFileSystem() throws Exception {
        List<String> lines = up.seen();
        assertThat(indexOf(lines, "regatta: api ")).as("api line in %s", lines)
                .isNotNegative().isLessThan(indexOf(lines, "regatta: ready"));
        String port = nfsAddress.substring(nfsAddress.indexOf(':') + 1);
        assertThat(lines).contains("regatta: mount with: mount -t nfs -o vers=3,proto=tcp,port=" + port
                + ",mountport=" + port + ",nolock 127.0.0.1:/fs-demo /mnt/demo");
        assertThat(dir.resolve("data/s3/" + bucketName)).isDirectory();

        Matcher console = up.seenLine(RegattaUp.CONSOLE_LINE);
        assertThat(console.group(1)).isEqualTo(api.base() + "/");
        Matcher signIn = up.seenLine(SIGN_IN_LINE);
        assertThat(signIn.group(1)).isEqualTo("admin");
        assertThat(Path.of(signIn.group(3))).isEqualTo(dir.resolve("data/control-plane/admin-password"));
        assertThat(Files.readString(Path.of(signIn.group(3))).strip()).isEqualTo(signIn.group(2));
        assertThat(indexOf(lines, "regatta: console sign-in ")).isLessThan(indexOf(lines, "regatta: ready"));
        Api.Answer session = api.postAnonymous("/api/v1/session",
                Map.of("username", "admin", "password", signIn.group(2)));
        assertThat(session.status()).as("the printed sign-in works: %s", session.body()).isEqualTo(200);

        assertThat(new Api(api.base(), "rgt_not-the-token").get("/api/v1/file-systems").status()).isEqualTo(401);
        Api.Answer fileSystems = api.get("/api/v1/file-systems");
        assertThat(fileSystems.status()).isEqualTo(200);
        assertThat(fileSystems.body()).hasSize(1);
        JsonNode demo = fileSystems.body().get(0);
        assertThat(demo.path("id").asText()).isEqualTo(fsId);
        assertThat(demo.path("name").asText()).isEqualTo("demo");
        assertThat(demo.path("bucket").asText()).isEqualTo(bucketName);

        JsonNode nodes = api.get("/api/v1/nodes").body();
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).path("id").asText()).isEqualTo(demo.path("nodeId").asText());
        assertThat(nodes.get(0).path("live").asBoolean()).isTrue();
        assertThat(nodes.get(0).path("address").asText()).as("the node's TLS front").isEqualTo(tlsAddress);
    }

    @Test
    @Order(2)
    void aFileWrittenOverNfsReachesTheBucketAndTheNodeReportsIt() throws Exception {
        Nfs3File file = nfs().newFile("/hello.txt");
        file.create(NfsCreateMode.UNCHECKED, new NfsSetAttributes(0644L, null, null, null, null, null), null);
        file.write(0, new ArrayList<>(List.of(ByteBuffer.wrap(CONTENT))), NfsWriteRequest.FILE_SYNC);

        byte[] inBucket = eventually(SYNC, "hello.txt in the bucket", () -> {
            try {
                byte[] data = bucket.getObject(r -> r.bucket(bucketName).key("hello.txt"),
                        ResponseTransformer.toBytes()).asByteArray();
                return data.length == CONTENT.length ? data : null;
            } catch (NoSuchKeyException notYet) {
                return null;
            }
        });
        assertThat(inBucket).isEqualTo(CONTENT);

        JsonNode report = eventually(SYNC, "a heartbeat reporting the upload and the client", () -> {
            JsonNode latest = api.get("/api/v1/file-systems/" + fsId + "/status").body().path("latestReport");
            return latest.path("s3Requests").path("PUT").asLong() >= 1 && latest.path("connectedClients").asInt() >= 1
                    && latest.path("dirtyBytes").asLong() == 0 ? latest : null;
        });
        assertThat(report.path("cacheBytes").asLong()).isGreaterThanOrEqualTo(CONTENT.length);
        assertThat(report.path("oldestUnsyncedSeconds").asLong()).isZero();
    }

    @Test
    @Order(3)
    void aSessionOfAGrantedRoleMountsWithACertificateForTheNode() throws Exception {
        Api.Answer grant = api.post("/api/v1/file-systems/" + fsId + "/grants",
                Map.of("principal", ROLE, "access", "READ_WRITE"));
        assertThat(grant.status()).as("%s", grant.body()).isEqualTo(201);
        awaitNodeGrants(1);

        KeyPair key = KeyMaterial.generate();
        Api.Answer mount = api.postAnonymous("/api/v1/mounts", mountRequest("READ_WRITE", key));
        assertThat(mount.status()).as("%s", mount.body()).isEqualTo(201);
        JsonNode body = mount.body();
        assertThat(body.path("nodeAddress").asText()).isEqualTo(tlsAddress);
        assertThat(body.path("principal").asText()).isEqualTo(SESSION);

        X509Certificate certificate = Pem.certificate(body.path("certificate").asText());
        X509Certificate ca = Pem.certificate(body.path("caCertificates").get(0).asText());
        certificate.verify(ca.getPublicKey());
        assertThat(certificate.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("O=Regatta,CN=" + body.path("mountId").asText());
        List<String> uris = new ArrayList<>();
        for (List<?> name : certificate.getSubjectAlternativeNames()) {
            if ((Integer) name.get(0) == 6) {
                uris.add((String) name.get(1));
            }
        }
        assertThat(uris).contains("regatta:fs:" + fsId, "regatta:access:read-write");
        assertThat(certificate.getNotAfter().toInstant())
                .isBetween(Instant.now().plus(Duration.ofMinutes(50)), Instant.now().plus(Duration.ofMinutes(70)));

        JsonNode mounts = api.get("/api/v1/file-systems/" + fsId + "/mounts").body();
        assertThat(mounts).hasSize(1);
        JsonNode active = mounts.get(0);
        assertThat(active.path("id").asText()).isEqualTo(body.path("mountId").asText());
        assertThat(active.path("principal").asText()).isEqualTo(SESSION);
        assertThat(active.path("clientAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(active.path("nodeId").asText()).isNotBlank();
        assertThat(Instant.parse(active.path("certificateExpiresAt").asText()))
                .isEqualTo(certificate.getNotAfter().toInstant());
    }

    @Test
    @Order(4)
    void aRemovedGrantRefusesTheNextMountAndTheAuditLogSaysWhy() throws Exception {
        JsonNode grants = api.get("/api/v1/file-systems/" + fsId + "/grants").body();
        for (JsonNode grant : grants) {
            assertThat(api.delete("/api/v1/file-systems/" + fsId + "/grants/" + grant.path("id").asText())
                    .status()).isEqualTo(204);
        }
        Api.Answer refused = api.postAnonymous("/api/v1/mounts", mountRequest("READ_ONLY", KeyMaterial.generate()));
        assertThat(refused.status()).as("%s", refused.body()).isEqualTo(403);
        awaitNodeGrants(0);

        JsonNode audit = api.get("/api/v1/audit-events?fileSystemId=" + fsId + "&decision=REFUSED").body();
        assertThat(audit).isNotEmpty();
        assertThat(audit.get(0).path("principal").asText()).isEqualTo(SESSION);
        assertThat(audit.get(0).path("reason").asText()).containsIgnoringCase("grant");
    }

    @Test
    @Order(5)
    void aRestartKeepsTheTokenTheFileSystemAndItsFiles() throws Exception {
        String token = adminToken;
        String id = fsId;
        String keys = up.seenLine(RegattaUp.S3_LINE).replaceFirst("$3 $4");
        assertThat(up.stop()).as("exit status after SIGTERM").isIn(0, 130, 143);
        startUp();
        assertThat(up.seenLine(RegattaUp.S3_LINE).replaceFirst("$3 $4")).as("the bucket's keys").isEqualTo(keys);
        assertThat(adminToken).isEqualTo(token);
        assertThat(fsId).isEqualTo(id);
        assertThat(api.get("/api/v1/file-systems").body()).hasSize(1);
        assertThat(read(nfs().newFile("/hello.txt"))).isEqualTo(CONTENT);
        assertThat(read(new Nfs3("127.0.0.1", "/fs-demo", new CredentialUnix(0, 0, null), 3).newFile("/hello.txt")))
                .as("through the /fs-demo alias").isEqualTo(CONTENT);
    }

    /** Waits until the node's {@code node_grants} gauge for the demo file system says {@code count}. */
    private void awaitNodeGrants(int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String expected = "node_grants{fs=\"" + fsId + "\"} " + count + ".0";
        eventually(HEARTBEAT, "the node seeing " + count + " grants", () -> http.send(
                HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
                .lines().anyMatch(expected::equals) ? true : null);
    }

    private Nfs3 nfs() throws Exception {
        return new Nfs3("127.0.0.1", "/" + fsId, new CredentialUnix(0, 0, null), 3);
    }

    private Map<String, Object> mountRequest(String access, KeyPair key) throws Exception {
        String serverId = api.get("/api/v1/service").body().path("serverId").asText();
        return StsProof.mountRequest(CALLER, sts.endpoint(), serverId, fsId, access, key);
    }

    private static byte[] read(Nfs3File file) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[32 * 1024];
        long offset = 0;
        while (true) {
            NfsReadResponse r = file.read(offset, buffer.length, buffer, 0);
            out.write(buffer, 0, r.getBytesRead());
            offset += r.getBytesRead();
            if (r.isEof() || r.getBytesRead() == 0) {
                return out.toByteArray();
            }
        }
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** Polls {@code probe} until it gives a non-null value. */
    private <T> T eventually(Duration timeout, String what, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout + "\nlast log lines:\n" + up.logTail());
            }
            Thread.sleep(500);
        }
    }
}
