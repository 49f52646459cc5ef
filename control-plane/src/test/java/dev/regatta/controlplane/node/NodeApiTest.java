package dev.regatta.controlplane.node;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import dev.regatta.pki.Pem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NodeApiTest extends ApiTestBase {

    /** Each test starts without nodes or file systems, so that assignments are its own. */
    @BeforeEach
    void noNodesNorFileSystems() {
        jdbc.sql("delete from file_system").update();
        jdbc.sql("delete from node").update();
    }

    private Api.Response heartbeat(RegisteredNode node, Object body) {
        return anonymous().withBearer(node.token()).post("/api/v1/nodes/" + node.id() + "/heartbeat", body);
    }

    private JsonNode heartbeat(RegisteredNode node) {
        Api.Response answer = heartbeat(node, Map.of("fileSystems", List.of()));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        return answer.json();
    }

    private void silence(RegisteredNode node) {
        jdbc.sql("update node set last_heartbeat_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minus(Duration.ofHours(1))), node.id()).update();
    }

    private String nodeOf(String fileSystemId) {
        return jdbc.sql("select node_id from file_system_member where file_system_id = ?").param(fileSystemId)
                .query(String.class).optional().orElse(null);
    }

    @Test
    void aRegisteredNodeGetsACertificateNamingItAndItsAddress() throws Exception {
        String generated = bootstrapToken();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                properties.dataDir().resolve("node-bootstrap-token")))).isEqualTo("rw-------");
        assertThat(generated).startsWith("rgb_");

        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        assertThat(node.id()).matches("node-[0-9a-f]{17}");
        assertThat(node.token()).startsWith("rgn_");
        assertThat(node.registration().get("heartbeatIntervalSeconds").asLong()).isEqualTo(10);
        X509Certificate certificate = Pem.parseCertificate(node.registration().get("certificate").asString());
        X509Certificate ca = Pem.parseCertificate(node.registration().get("caCertificates").get(0).asString());
        certificate.verify(ca.getPublicKey());
        assertThat(certificate.getSubjectX500Principal().getName()).contains("CN=" + node.id());
        assertThat(certificate.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))))
                .contains("regatta:node:" + node.id(), "10.0.0.5");
        byte[] storedHash = jdbc.sql("select token_hash from node where id = ?").param(node.id())
                .query(byte[].class).single();
        assertThat(storedHash).hasSize(32);
        assertThat(jdbc.sql("select count(*) from node where certificate_pem = ?")
                .param(node.registration().get("certificate").asString()).query(Integer.class).single()).isOne();
    }

    @Test
    void aWrongBootstrapTokenIs401AndABadCsrOrAddressIs400() {
        Map<String, String> body = Map.of("name", "dp-1", "address", "10.0.0.5:20490", "csr", newCsr());
        for (Api caller : new Api[]{anonymous(), anonymous().withBearer("rgb_wrong"),
                anonymous().withBearer(INITIAL_TOKEN)}) {
            Api.Response refused = caller.post("/api/v1/nodes", body);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(refused.detail()).contains("bootstrap token");
        }
        Api bootstrap = anonymous().withBearer(bootstrapToken());
        Api.Response badCsr = bootstrap.post("/api/v1/nodes", Map.of("name", "dp-1", "address", "10.0.0.5:20490",
                "csr", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
        assertThat(badCsr.status()).isEqualTo(400);
        assertThat(badCsr.detail()).contains("CSR");
        Api.Response badAddress = bootstrap.post("/api/v1/nodes", Map.of("name", "dp-1", "address", "10.0.0.5",
                "csr", newCsr()));
        assertThat(badAddress.status()).isEqualTo(400);
        assertThat(badAddress.detail()).contains("address");
        Api.Response noName = bootstrap.post("/api/v1/nodes", Map.of("address", "10.0.0.5:1", "csr", newCsr()));
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.detail()).contains("name");
        assertThat(jdbc.sql("select count(*) from node").query(Integer.class).single()).isZero();
    }

    @Test
    void aHeartbeatWithAWrongTokenOrForAnUnknownNodeIs401() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        RegisteredNode other = registerNode("dp-2", "10.0.0.6:20490");
        Map<String, Object> body = Map.of("fileSystems", List.of());
        assertThat(anonymous().withBearer("rgn_wrong").post("/api/v1/nodes/" + node.id() + "/heartbeat", body)
                .status()).isEqualTo(401);
        Api.Response swapped = anonymous().withBearer(other.token())
                .post("/api/v1/nodes/" + node.id() + "/heartbeat", body);
        assertThat(swapped.status()).as("another node's token").isEqualTo(401);
        assertThat(swapped.detail()).contains("register");
        assertThat(anonymous().post("/api/v1/nodes/" + node.id() + "/heartbeat", body).status()).isEqualTo(401);
        assertThat(anonymous().withBearer(node.token()).post("/api/v1/nodes/node-00000000000000000/heartbeat", body)
                .status()).isEqualTo(401);
        assertThat(admin().post("/api/v1/nodes/" + node.id() + "/heartbeat", body).status())
                .as("an admin token is no node token").isEqualTo(401);
    }

    @Test
    void aHeartbeatStoresTheReportAndAnswersTheAssignedFileSystemsWithTheirGrants() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        Map<String, Object> request = fileSystemRequest();
        request.put("endpoint", "http://127.0.0.1:9000");
        request.put("keyPrefix", "team/");
        JsonNode fs = createFileSystem(request);
        String fsId = fs.get("id").asString();
        assertThat(fs.get("node").get("id").asString()).as("assigned at creation").isEqualTo(node.id());
        String grantId = admin().post("/api/v1/file-systems/" + fsId + "/grants",
                Map.of("principal", "arn:aws:iam::123456789012:role/app", "rootSquash", true)).json().get("id")
                .asString();

        Api.Response answer = heartbeat(node, Map.of("fileSystems", List.of(Map.of("fileSystemId", fsId,
                "cacheBytes", 1048576, "dirtyBytes", 4096, "oldestUnsyncedSeconds", 12, "cacheHitRatio", 0.93,
                "connectedClients", 2, "s3Requests", Map.of("GET", 10, "PUT", 3, "LIST", 1),
                "aFieldOfALaterVersion", true))));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.get("heartbeatIntervalSeconds").asLong()).isEqualTo(10);
        assertThat(json.get("fileSystems")).hasSize(1);
        JsonNode served = json.get("fileSystems").get(0);
        assertThat(served.propertyNames()).containsExactlyInAnyOrder("id", "bucket", "region", "endpoint",
                "keyPrefix", "defaultUid", "defaultGid", "defaultFileMode", "defaultDirMode", "flushDelaySeconds",
                "cacheTtlSeconds", "grants", "replicas", "members");
        assertThat(served.get("replicas").asInt()).isEqualTo(1);
        assertThat(served.get("members")).singleElement().satisfies(member -> {
            assertThat(member.get("nodeId").asString()).isEqualTo(node.id());
            assertThat(member.get("name").asString()).isEqualTo("dp-1");
            assertThat(member.get("tlsAddress").asString()).isEqualTo("10.0.0.5:20490");
            assertThat(member.get("replicationAddress").isNull()).as("an older node reports none").isTrue();
            assertThat(member.get("nfsAddress").isNull()).isTrue();
        });
        assertThat(served.get("id").asString()).isEqualTo(fsId);
        assertThat(served.get("endpoint").asString()).isEqualTo("http://127.0.0.1:9000");
        assertThat(served.get("keyPrefix").asString()).isEqualTo("team/");
        assertThat(served.get("defaultFileMode").asInt()).isEqualTo(420);
        JsonNode grant = served.get("grants").get(0);
        assertThat(grant.propertyNames()).containsExactlyInAnyOrder("id", "principal", "access", "rootSquash");
        assertThat(grant.get("id").asString()).isEqualTo(grantId);
        assertThat(grant.get("access").asString()).isEqualTo("READ_WRITE");
        assertThat(grant.get("rootSquash").asBoolean()).isTrue();

        JsonNode status = admin().get("/api/v1/file-systems/" + fsId + "/status").json();
        JsonNode report = status.get("latestReport");
        assertThat(report.get("nodeId").asString()).isEqualTo(node.id());
        assertThat(report.get("cacheBytes").asLong()).isEqualTo(1048576);
        assertThat(report.get("dirtyBytes").asLong()).isEqualTo(4096);
        assertThat(report.get("oldestUnsyncedSeconds").asLong()).isEqualTo(12);
        assertThat(report.get("cacheHitRatio").asDouble()).isEqualTo(0.93);
        assertThat(report.get("connectedClients").asInt()).isEqualTo(2);
        assertThat(report.get("s3Requests").get("PUT").asLong()).isEqualTo(3);
        assertThat(report.get("nfsOperations").isNull()).as("not sent: absent, not 0").isTrue();
        assertThat(admin().get("/api/v1/file-systems/" + fsId).json().get("status").get("latestReport")
                .get("dirtyBytes").asLong()).isEqualTo(4096);
    }

    @Test
    void failingUploadsAReportNamesAreInTheStatusAndAnOlderNodeReportsNone() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        String error = "S3 put of s3://bucket/.mpus-x failed: HTTP 400 InvalidArgument (reserved) [PERMANENT]";
        Api.Response answer = heartbeat(node, Map.of("fileSystems", List.of(Map.of("fileSystemId", fsId,
                "dirtyBytes", 7, "failingFiles", 2, "failing", List.of(
                        Map.of("path", "/.mpus-x", "code", "InvalidArgument", "error", error, "attempts", 3,
                                "since", "2026-05-01T10:00:00Z"),
                        Map.of("path", "/d/" + "n".repeat(255), "code", "AccessDenied", "error", "x".repeat(5000),
                                "attempts", 1, "since", "2026-05-01T10:01:00Z"))))));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);

        JsonNode status = admin().get("/api/v1/file-systems/" + fsId + "/status").json();
        assertThat(status.get("summary").asString()).contains("2 files are failing to upload", "/.mpus-x");
        JsonNode report = status.get("latestReport");
        assertThat(report.get("failingFiles").asInt()).isEqualTo(2);
        JsonNode first = report.get("failing").get(0);
        assertThat(first.get("path").asString()).isEqualTo("/.mpus-x");
        assertThat(first.get("code").asString()).isEqualTo("InvalidArgument");
        assertThat(first.get("error").asString()).isEqualTo(error);
        assertThat(first.get("attempts").asInt()).isEqualTo(3);
        assertThat(first.get("since").asString()).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(report.get("failing").get(1).get("error").asString()).as("a long error is cut, not refused")
                .hasSize(HeartbeatRequest.TEXT_KEPT + 1);

        // A node from before failing files were reported: accepted, and the status says nothing rather than 0.
        assertThat(heartbeat(node, Map.of("fileSystems", List.of(Map.of("fileSystemId", fsId, "dirtyBytes", 7))))
                .status()).isEqualTo(200);
        status = admin().get("/api/v1/file-systems/" + fsId + "/status").json();
        assertThat(status.get("latestReport").get("failingFiles").isNull()).isTrue();
        assertThat(status.get("latestReport").get("failing")).isEmpty();
        assertThat(status.get("summary").asString()).doesNotContain("failing");
    }

    @Test
    void aReportOnAFileSystemTheNodeDoesNotServeIsIgnored() {
        RegisteredNode serving = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        assertThat(nodeOf(fsId)).isEqualTo(serving.id());
        RegisteredNode other = registerNode("dp-2", "10.0.0.6:20490");
        assertThat(heartbeat(other, Map.of("fileSystems", List.of(Map.of("fileSystemId", fsId, "dirtyBytes", 7))))
                .status()).isEqualTo(200);
        assertThat(admin().get("/api/v1/file-systems/" + fsId + "/status").json().get("summary").asString())
                .isEqualTo("no report yet");
    }

    @Test
    void aMalformedReportIs400NamingTheField() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        Api.Response refused = heartbeat(node, Map.of("fileSystems", List.of(Map.of("fileSystemId", "fs-1",
                "cacheHitRatio", 1.5))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.detail()).contains("cacheHitRatio");
    }

    @Test
    void fileSystemsGoToTheLiveNodeServingTheFewest() {
        RegisteredNode first = registerNode("dp-1", "10.0.0.5:20490");
        RegisteredNode second = registerNode("dp-2", "10.0.0.6:20490");
        String a = createFileSystem().get("id").asString();
        String b = createFileSystem().get("id").asString();
        String c = createFileSystem().get("id").asString();
        assertThat(List.of(nodeOf(a), nodeOf(b), nodeOf(c))).containsExactly(first.id(), second.id(), first.id());
        silence(first);
        String d = createFileSystem().get("id").asString();
        assertThat(nodeOf(d)).as("only live nodes are chosen").isEqualTo(second.id());
    }

    @Test
    void anUnassignedFileSystemIsAssignedAtTheNextHeartbeat() {
        String fsId = createFileSystem().get("id").asString();
        assertThat(nodeOf(fsId)).as("no node is live").isNull();
        assertThat(admin().get("/api/v1/file-systems/" + fsId).json().get("node").isNull()).isTrue();

        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        assertThat(heartbeat(node).get("fileSystems").findValuesAsString("id")).contains(fsId);
        assertThat(nodeOf(fsId)).isEqualTo(node.id());
        JsonNode shown = admin().get("/api/v1/file-systems/" + fsId).json().get("node");
        assertThat(shown.get("id").asString()).isEqualTo(node.id());
        assertThat(shown.get("address").asString()).isEqualTo("10.0.0.5:20490");
        assertThat(shown.get("live").asBoolean()).isTrue();
    }

    @Test
    void aSilentNodesFileSystemsMoveToALiveOne() {
        RegisteredNode dying = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        assertThat(nodeOf(fsId)).isEqualTo(dying.id());
        RegisteredNode survivor = registerNode("dp-2", "10.0.0.6:20490");
        assertThat(heartbeat(survivor).get("fileSystems").findValuesAsString("id"))
                .as("its node is still live").doesNotContain(fsId);

        silence(dying);
        assertThat(heartbeat(survivor).get("fileSystems").findValuesAsString("id")).contains(fsId);
        assertThat(nodeOf(fsId)).isEqualTo(survivor.id());
        assertThat(heartbeat(dying).get("fileSystems").findValuesAsString("id"))
                .as("the node that comes back does not get it back").doesNotContain(fsId);

        JsonNode nodes = admin().get("/api/v1/nodes").json();
        assertThat(nodes).hasSize(2);
        for (JsonNode n : nodes) {
            assertThat(n.get("live").asBoolean()).isTrue();
            assertThat(n.get("fileSystemCount").asInt()).isEqualTo(n.get("id").asString().equals(survivor.id())
                    ? 1 : 0);
        }
        silence(dying);
        assertThat(admin().get("/api/v1/nodes").json().findValues("live").stream().map(JsonNode::asBoolean))
                .containsExactlyInAnyOrder(true, false);
    }

    @Test
    void aRemovedGrantIsGoneFromTheNextHeartbeat() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        String grants = "/api/v1/file-systems/" + fsId + "/grants";
        String kept = admin().post(grants, Map.of("principal", "123456789012")).json().get("id").asString();
        String removed = admin().post(grants, Map.of("principal", "arn:aws:iam::123456789012:user/bob"))
                .json().get("id").asString();
        assertThat(heartbeat(node).get("fileSystems").get(0).get("grants").findValuesAsString("id"))
                .containsExactly(kept, removed);

        assertThat(admin().delete(grants + "/" + removed).status()).isEqualTo(204);
        assertThat(heartbeat(node).get("fileSystems").get(0).get("grants").findValuesAsString("id"))
                .containsExactly(kept);
    }

    @Test
    void aDeletedNodeLosesItsTokenAndItsFileSystems() {
        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        assertThat(admin().delete("/api/v1/nodes/" + node.id()).status()).isEqualTo(204);
        assertThat(nodeOf(fsId)).isNull();
        assertThat(heartbeat(node, Map.of()).status()).isEqualTo(401);
        assertThat(admin().delete("/api/v1/nodes/" + node.id()).status()).isEqualTo(404);
        assertThat(admin().delete("/api/v1/nodes/dp-1").status()).isEqualTo(400);
        assertThat(anonymous().get("/api/v1/nodes").status()).as("admins only").isEqualTo(401);
    }

    @Test
    void aNodeRegisteringAgainAtItsAddressTakesOverItsFileSystems() {
        RegisteredNode lost = registerNode("dp-1", "10.0.0.5:20490");
        String fsId = createFileSystem().get("id").asString();
        RegisteredNode again = registerNode("dp-1", "10.0.0.5:20490");
        assertThat(nodeOf(fsId)).isEqualTo(again.id());
        assertThat(heartbeat(lost, Map.of()).status()).isEqualTo(401);
        assertThat(heartbeat(again).get("fileSystems").findValuesAsString("id")).containsExactly(fsId);
    }
}
