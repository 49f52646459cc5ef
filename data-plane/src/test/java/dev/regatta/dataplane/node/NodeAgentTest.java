package dev.regatta.dataplane.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.RegattaFileSystem;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import dev.regatta.dataplane.server.FileSystemInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node agent against a control plane played in the test, with file systems in an in-memory S3Proxy. */
class NodeAgentTest {

    static final String ACCESS_KEY = "node-test-access";
    static final String SECRET_KEY = "node-test-secret-0123456789";
    static final String FS = "fs-0123456789abcdef0";
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    static LocalS3Endpoint s3;
    static S3Client raw;

    @TempDir
    Path dir;
    FakeControlPlane controlPlane;
    DataPlane node;
    String bucket;

    @BeforeAll
    static void startS3() {
        s3 = LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
        raw = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
    }

    @AfterAll
    static void stopS3() {
        raw.close();
        s3.close();
    }

    @BeforeEach
    void startControlPlane() throws Exception {
        controlPlane = new FakeControlPlane();
        bucket = "node-test-" + BUCKETS.incrementAndGet();
        s3.createBucket(bucket);
    }

    @AfterEach
    void stopAll() {
        if (node != null) {
            node.close();
        }
        controlPlane.close();
        assertThat(controlPlane.problems).as("what the control plane found wrong").isEmpty();
    }

    DataPlane startNode() throws Exception {
        return startNode(FakeControlPlane.BOOTSTRAP_TOKEN);
    }

    DataPlane startNode(String bootstrapToken) throws Exception {
        DataPlaneConfig config = DataPlaneConfig.defaults(dir.resolve("data"))
                .withNfs("127.0.0.1", 0, false)
                .withMetricsPort(-1)
                .withS3(new DataPlaneConfig.S3(null, "us-east-1", ACCESS_KEY, SECRET_KEY, "unused", "", true))
                .withTimings(Duration.ofMillis(200), Duration.ofMinutes(5), Duration.ofSeconds(1))
                .withControlPlane(new ControlPlaneSettings(List.of(controlPlane.url()), bootstrapToken, "node-a", null,
                        "127.0.0.1", 0, null));
        node = DataPlane.start(config);
        return node;
    }

    Map<String, Object> assigned(String keyPrefix, List<Map<String, Object>> grants) {
        return FakeControlPlane.fileSystem(FS, s3.endpoint(), bucket, keyPrefix, 300, grants);
    }

    @Test
    void registersOnceAndReusesItsIdentityAfterARestart() throws Exception {
        startNode();
        await("registration and a first heartbeat", () -> controlPlane.registrations.size() == 1
                && !controlPlane.heartbeatsOf(controlPlane.registrations.getFirst().nodeId()).isEmpty());
        FakeControlPlane.Registered registered = controlPlane.registrations.getFirst();
        assertThat(registered.name()).isEqualTo("node-a");
        assertThat(registered.csrSubject()).isEqualTo("node-a");
        await("the TLS front started with the new identity", () -> node.tlsPort() > 0);
        assertThat(registered.address()).as("the TLS front's address").isEqualTo("127.0.0.1:" + node.tlsPort());
        assertThat(node.tlsPort()).isNotEqualTo(node.nfsPort());
        Path identity = dir.resolve("data/node");
        assertThat(Files.readString(identity.resolve("node-id")).strip()).isEqualTo(registered.nodeId());
        for (String secret : List.of("node-token", "node-key.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(identity.resolve(secret))))
                    .as(secret).isEqualTo("rw-------");
        }
        assertThat(Files.readString(identity.resolve("node-certificate.pem"))).startsWith("-----BEGIN CERTIFICATE");
        assertThat(Files.readString(identity.resolve("ca-certificates.pem"))).startsWith("-----BEGIN CERTIFICATE");

        node.close();
        int before = controlPlane.heartbeatsOf(registered.nodeId()).size();
        startNode();
        await("a heartbeat after the restart",
                () -> controlPlane.heartbeatsOf(registered.nodeId()).size() > before);
        assertThat(controlPlane.registrations).hasSize(1);
    }

    @Test
    void aNodeWithoutIdentityOrBootstrapTokenDoesNotStart() {
        assertThatThrownBy(() -> startNode(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap token");
    }

    @Test
    void aRefusedBootstrapTokenLeavesTheNodeUnregisteredAndRetrying() throws Exception {
        startNode("not-the-token");
        await("a refused attempt and its retry", () -> controlPlane.refusedRegistrations.get() >= 2);
        assertThat(controlPlane.registrations).isEmpty();
        assertThat(dir.resolve("data/node/node-id")).doesNotExist();
        assertThat(node.grants().orElseThrow().grantsOf(FS)).isEmpty();
    }

    @Test
    void anAssignedFileSystemIsServedReportedAndRemoved() throws Exception {
        controlPlane.assign(List.of(assigned("", List.of())));
        startNode();
        RegattaFileSystem fs = awaitPresent("the assigned file system served", () -> node.fileSystem(FS)).fileSystem();
        long file = fs.create(Caller.ROOT, fs.rootId(), "greeting", CreateMode.GUARDED, SetAttributes.NONE, 0)
                .fileId();
        fs.write(Caller.ROOT, file, 0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)),
                Stability.FILE_SYNC);
        assertThat(read(fs, file)).isEqualTo("hello");
        assertThat(node.flush(WAIT)).isTrue();
        assertThat(raw.getObjectAsBytes(b -> b.bucket(bucket).key("greeting")).asUtf8String()).isEqualTo("hello");

        String nodeId = controlPlane.registrations.getFirst().nodeId();
        JsonNode report = awaitPresent("a heartbeat reporting the upload", () -> controlPlane.heartbeatsOf(nodeId)
                .stream().flatMap(h -> stream(h.get("fileSystems")))
                .filter(f -> f.get("fileSystemId").asText().equals(FS) && f.path("s3Requests").path("PUT").asLong() >= 1)
                .findFirst());
        assertThat(report.get("dirtyBytes").asLong()).isZero();
        assertThat(report.get("cacheBytes").asLong()).isEqualTo(5);
        assertThat(report.get("nfsOperations").asLong()).as("writes through the file system, not NFS").isZero();

        controlPlane.assign(List.of());
        await("the file system no longer served", () -> node.fileSystem(FS).isEmpty());
        int seen = controlPlane.heartbeatsOf(nodeId).size();
        await("a heartbeat without it", () -> controlPlane.heartbeatsOf(nodeId).stream().skip(seen)
                .anyMatch(h -> h.get("fileSystems").isEmpty()));
        assertThat(dir.resolve("data/fs").resolve(FS)).as("its state stays").isDirectory();
    }

    @Test
    void aRemovedGrantIsGoneAfterTheNextHeartbeat() throws Exception {
        controlPlane.assign(List.of(assigned("", List.of(FakeControlPlane.grant("grant-a"),
                FakeControlPlane.grant("grant-b")))));
        startNode();
        GrantBook grants = node.grants().orElseThrow();
        await("both grants known", () -> grants.isActive(FS, "grant-a") && grants.isActive(FS, "grant-b"));
        assertThat(grants.grantsOf(FS)).extracting(Grant::access).containsOnly("READ_WRITE");
        assertThat(node.scrapeMetrics()).contains("node_grants{fs=\"" + FS + "\"} 2.0");

        String nodeId = controlPlane.registrations.getFirst().nodeId();
        controlPlane.assign(List.of(assigned("", List.of(FakeControlPlane.grant("grant-b")))));
        int seen = controlPlane.heartbeatsOf(nodeId).size();
        await("two more heartbeats", () -> controlPlane.heartbeatsOf(nodeId).size() >= seen + 2);
        assertThat(grants.isActive(FS, "grant-a")).isFalse();
        assertThat(grants.isActive(FS, "grant-b")).isTrue();
        assertThat(grants.grantsOf("fs-not-assigned")).isEmpty();
        assertThat(node.scrapeMetrics()).contains("node_grants{fs=\"" + FS + "\"} 1.0");
    }

    @Test
    void grantsAreFetchedWhenAskedForWithoutWaitingForTheIntervalButNotMoreThanOnceASecond() throws Exception {
        controlPlane.heartbeatSeconds = 3600;
        controlPlane.assign(List.of(assigned("", List.of(FakeControlPlane.grant("grant-a")))));
        startNode();
        GrantBook grants = node.grants().orElseThrow();
        await("the first grant", () -> grants.isActive(FS, "grant-a"));
        String nodeId = controlPlane.registrations.getFirst().nodeId();
        int seen = controlPlane.heartbeatsOf(nodeId).size();

        controlPlane.assign(List.of(assigned("", List.of(FakeControlPlane.grant("grant-a"),
                FakeControlPlane.grant("grant-new")))));
        Thread.sleep(1500);
        assertThat(grants.isActive(FS, "grant-new")).as("no heartbeat is due for an hour").isFalse();
        grants.refresh().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(grants.isActive(FS, "grant-new")).isTrue();

        // Twenty asks within half a second: a heartbeat now and one a second later, not twenty.
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            asked.add(grants.refresh().toCompletableFuture());
            Thread.sleep(25);
        }
        CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(controlPlane.heartbeatsOf(nodeId).size() - seen).isBetween(2, 3);
    }

    @Test
    void aNodeTheControlPlaneForgotRegistersAnew() throws Exception {
        controlPlane.assign(List.of(assigned("", List.of())));
        startNode();
        await("registered", () -> controlPlane.registrations.size() == 1);
        String first = controlPlane.registrations.getFirst().nodeId();
        awaitPresent("served", () -> node.fileSystem(FS));

        controlPlane.forget(first);
        await("registered anew", () -> controlPlane.registrations.size() == 2);
        String second = controlPlane.registrations.get(1).nodeId();
        assertThat(second).isNotEqualTo(first);
        await("heartbeats as the new node", () -> !controlPlane.heartbeatsOf(second).isEmpty());
        assertThat(Files.readString(dir.resolve("data/node/node-id")).strip()).isEqualTo(second);
        assertThat(node.fileSystem(FS)).isPresent();
    }

    @Test
    void fileSystemsStayServedWhileTheControlPlaneIsDown() throws Exception {
        controlPlane.assign(List.of(assigned("", List.of())));
        startNode();
        FileSystemInstance served = awaitPresent("served", () -> node.fileSystem(FS));
        String nodeId = controlPlane.registrations.getFirst().nodeId();

        controlPlane.stop();
        Thread.sleep(Duration.ofSeconds(3)); // several missed heartbeats
        assertThat(node.fileSystem(FS)).containsSame(served);
        RegattaFileSystem fs = served.fileSystem();
        long file = fs.create(Caller.ROOT, fs.rootId(), "during-outage", CreateMode.GUARDED, SetAttributes.NONE, 0)
                .fileId();
        fs.write(Caller.ROOT, file, 0, ByteBuffer.wrap("still here".getBytes(StandardCharsets.UTF_8)),
                Stability.FILE_SYNC);

        int before = controlPlane.heartbeatsOf(nodeId).size();
        controlPlane.start();
        await("heartbeats again", () -> controlPlane.heartbeatsOf(nodeId).size() > before);
        assertThat(controlPlane.registrations).hasSize(1);
        assertThat(node.fileSystem(FS)).containsSame(served);
        assertThat(read(fs, file)).isEqualTo("still here");
    }

    @Test
    void aRestartedNodeServesItsLastAssignmentBeforeTheControlPlaneAnswers() throws Exception {
        controlPlane.assign(List.of(assigned("", List.of(FakeControlPlane.grant("grant-a")))));
        startNode();
        awaitPresent("served", () -> node.fileSystem(FS));
        node.close();
        controlPlane.stop();

        startNode();
        awaitPresent("served again without the control plane", () -> node.fileSystem(FS));
        assertThat(node.grants().orElseThrow().isActive(FS, "grant-a")).isTrue();
        controlPlane.start();
    }

    @Test
    void changedSettingsRestartTheFileSystemWithThem() throws Exception {
        controlPlane.assign(List.of(assigned("one", List.of())));
        startNode();
        FileSystemInstance first = awaitPresent("served", () -> node.fileSystem(FS));
        assertThat(first.settings().keyPrefix()).isEqualTo("one");

        controlPlane.assign(List.of(FakeControlPlane.fileSystem(FS, s3.endpoint(), bucket, "two", 60, List.of())));
        FileSystemInstance second = awaitPresent("restarted", () -> node.fileSystem(FS).filter(i -> i != first));
        assertThat(second.settings().keyPrefix()).isEqualTo("two");
        assertThat(second.settings().flushDeadline()).isEqualTo(Duration.ofSeconds(60));
        RegattaFileSystem fs = second.fileSystem();
        long file = fs.create(Caller.ROOT, fs.rootId(), "f", CreateMode.GUARDED, SetAttributes.NONE, 0).fileId();
        fs.write(Caller.ROOT, file, 0, ByteBuffer.wrap("2".getBytes(StandardCharsets.UTF_8)), Stability.FILE_SYNC);
        assertThat(node.flush(WAIT)).isTrue();
        assertThat(raw.getObjectAsBytes(b -> b.bucket(bucket).key("two/f")).asUtf8String()).isEqualTo("2");
    }

    private static String read(RegattaFileSystem fs, long file) throws FsException {
        ByteBuffer data = fs.read(Caller.ROOT, file, 0, 1024).data();
        return StandardCharsets.UTF_8.decode(data).toString();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        awaitPresent(what, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
    }

    /** Polls until {@code value} is present, or fails after {@link #WAIT}. */
    static <T> T awaitPresent(String what, Supplier<Optional<T>> value) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = value.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
    }
}
