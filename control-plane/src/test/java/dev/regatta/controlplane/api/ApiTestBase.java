package dev.regatta.controlplane.api;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.EmbeddedDatabaseTest;
import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.ca.TestCsr;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of the API tests: one application on a random port over its own embedded PostgreSQL, shared by every
 * subclass (same configuration, so Spring's context cache starts it once), called over real HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "regatta.admin.initial-token=" + ApiTestBase.INITIAL_TOKEN,
        "regatta.admin.failed-logins-per-source=3",
        "regatta.admin.failed-login-window=3s"})
public abstract class ApiTestBase extends EmbeddedDatabaseTest {

    protected static final String INITIAL_TOKEN = "rgt_initial-test-token-4d1b7f0c9a2e";

    @LocalServerPort
    protected int port;
    @Autowired
    protected JdbcClient jdbc;
    @Autowired
    protected ControlPlaneProperties properties;

    protected Api anonymous() {
        return Api.at(port);
    }

    protected Api admin() {
        return anonymous().withBearer(INITIAL_TOKEN);
    }

    /**
     * A valid creation request; tests change or remove fields of it. It asks for one replica, served by one node as
     * before replication (the default, 3, needs three nodes with replication addresses).
     */
    protected static Map<String, Object> fileSystemRequest() {
        Map<String, Object> body = new HashMap<>();
        body.put("name", "demo");
        body.put("bucket", "demo-bucket");
        body.put("region", "us-east-1");
        body.put("replicas", 1);
        return body;
    }

    protected JsonNode createFileSystem() {
        return createFileSystem(fileSystemRequest());
    }

    protected JsonNode createFileSystem(Map<String, Object> body) {
        Api.Response created = admin().post("/api/v1/file-systems", body);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json();
    }

    protected RegisteredNode registerNode(String name, String address) {
        return registerNode(Map.of("name", name, "address", address));
    }

    /** @param fields the registration's fields but the CSR, which is made here */
    protected RegisteredNode registerNode(Map<String, Object> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.put("csr", newCsr());
        Api.Response registered = anonymous().withBearer(bootstrapToken()).post("/api/v1/nodes", body);
        assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
        JsonNode json = registered.json();
        return new RegisteredNode(json.get("nodeId").asString(), json.get("nodeToken").asString(), json);
    }

    protected static String newCsr() {
        try {
            return TestCsr.pem(TestCsr.ecKeyPair());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected String bootstrapToken() {
        return readSecret(properties.dataDir().resolve("node-bootstrap-token"));
    }

    /** A mount admitted by the mount endpoint, as it records one; returns its ID. */
    protected String insertMountSession(String fileSystemId, Instant certificateExpiresAt) {
        return insertMountSession(fileSystemId, certificateExpiresAt, null, null);
    }

    /** A mount session that ended at {@code endedAt} for {@code endReason} (both null: it goes on). */
    protected String insertMountSession(String fileSystemId, Instant certificateExpiresAt, Instant endedAt,
                                        String endReason) {
        String id = Ids.newId("mount");
        jdbc.sql("""
                        insert into mount_session (id, file_system_id, principal_arn, access, client_address, node_id,
                            certificate_serial, certificate_expires_at, created_at, ended_at, end_reason)
                        values (?, ?, 'arn:aws:sts::123456789012:assumed-role/app/i-0abc', 'READ_WRITE', '10.1.2.3',
                            'node-00000000000000000', '01', ?, clock_timestamp(), ?, ?)""")
                .params(id, fileSystemId, Timestamp.from(certificateExpiresAt),
                        endedAt == null ? null : Timestamp.from(endedAt), endReason)
                .update();
        return id;
    }

    protected static String readSecret(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param registration the whole registration answer */
    protected record RegisteredNode(String id, String token, JsonNode registration) {
    }
}
