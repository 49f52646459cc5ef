package dev.regatta.controlplane.status;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HistoryApiTest extends ApiTestBase {

    private static final String NODE_A = "node-0000000000000000a";
    private static final String NODE_B = "node-0000000000000000b";

    private void sample(String fs, String node, Instant at, long gets, Long nfsOperations) {
        jdbc.sql("""
                        insert into file_system_sample (file_system_id, node_id, reported_at, cache_bytes, dirty_bytes,
                            oldest_unsynced_seconds, cache_hit_ratio, connected_clients, s3_requests, nfs_operations)
                        values (:fs, :node, :at, 2048, 512, 3, 0.5, 1, :requests, :nfs)""")
                .param("fs", fs).param("node", node).param("at", Timestamp.from(at))
                .param("requests", "{\"GET\": " + gets + ", \"PUT\": 4}").param("nfs", nfsOperations, Types.BIGINT)
                .update();
    }

    private JsonNode history(String fs, String query) {
        Api.Response answer = admin().get("/api/v1/file-systems/" + fs + "/history" + query);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        return answer.json();
    }

    @Test
    void samplesOldestFirstWithRatesBetweenReportsOfTheSameNode() {
        String fs = createFileSystem().get("id").asString();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        sample(fs, NODE_A, now.minusSeconds(400), 10, 100L); // before the window: only the base of the next
        sample(fs, NODE_A, now.minusSeconds(200), 30, 500L);
        sample(fs, NODE_B, now.minusSeconds(150), 7, 70L);   // B's first report: no rate
        sample(fs, NODE_A, now.minusSeconds(100), 20, 50L);  // A restarted: counters went down
        sample(fs, NODE_A, now.minusSeconds(50), 25, null);  // an older node (restarted) without the NFS count

        JsonNode history = history(fs, "?minutes=5");
        assertThat(history.propertyNames()).containsExactlyInAnyOrder("fileSystemId", "from", "to", "samples");
        assertThat(history.get("fileSystemId").asString()).isEqualTo(fs);
        Instant from = Instant.parse(history.get("from").asString());
        Instant to = Instant.parse(history.get("to").asString());
        assertThat(Duration.between(from, to)).isEqualTo(Duration.ofMinutes(5));
        JsonNode samples = history.get("samples");
        assertThat(samples.findValuesAsString("nodeId")).containsExactly(NODE_A, NODE_B, NODE_A, NODE_A);
        assertThat(samples.findValuesAsString("at").stream().map(Instant::parse).toList()).containsExactly(
                now.minusSeconds(200), now.minusSeconds(150), now.minusSeconds(100), now.minusSeconds(50));

        JsonNode first = samples.get(0);
        assertThat(first.propertyNames()).containsExactlyInAnyOrder("at", "nodeId", "cacheBytes", "dirtyBytes",
                "oldestUnsyncedSeconds", "cacheHitRatio", "connectedClients", "s3RequestsPerSecond",
                "nfsOperationsPerSecond");
        assertThat(first.get("cacheBytes").asLong()).isEqualTo(2048);
        assertThat(first.get("dirtyBytes").asLong()).isEqualTo(512);
        assertThat(first.get("oldestUnsyncedSeconds").asLong()).isEqualTo(3);
        assertThat(first.get("cacheHitRatio").asDouble()).isEqualTo(0.5);
        assertThat(first.get("connectedClients").asInt()).isEqualTo(1);
        assertThat(first.get("s3RequestsPerSecond").get("GET").asDouble()).as("20 over 200 s")
                .isCloseTo(0.1, within(1e-9));
        assertThat(first.get("s3RequestsPerSecond").get("PUT").asDouble()).isZero();
        assertThat(first.get("nfsOperationsPerSecond").asDouble()).as("400 over 200 s").isCloseTo(2.0, within(1e-9));

        JsonNode otherNode = samples.get(1);
        assertThat(otherNode.get("s3RequestsPerSecond").isNull()).as("a node's first report").isTrue();
        assertThat(otherNode.get("nfsOperationsPerSecond").isNull()).isTrue();

        JsonNode restarted = samples.get(2);
        assertThat(restarted.get("s3RequestsPerSecond").get("GET").asDouble()).as("the new 20 over 100 s")
                .isCloseTo(0.2, within(1e-9));
        assertThat(restarted.get("s3RequestsPerSecond").get("PUT").asDouble()).as("all counters start anew")
                .isCloseTo(0.04, within(1e-9));
        assertThat(restarted.get("nfsOperationsPerSecond").asDouble()).isCloseTo(0.5, within(1e-9));

        JsonNode withoutNfs = samples.get(3);
        assertThat(withoutNfs.get("s3RequestsPerSecond").get("GET").asDouble())
                .as("a count that vanished means another node version, so a restart: 25 over 50 s")
                .isCloseTo(0.5, within(1e-9));
        assertThat(withoutNfs.get("nfsOperationsPerSecond").isNull()).isTrue();

        JsonNode lastMinute = history(fs, "?minutes=1").get("samples");
        assertThat(lastMinute).hasSize(1);
        assertThat(lastMinute.get(0).get("s3RequestsPerSecond").get("GET").asDouble())
                .as("the rate comes from the report before the window").isCloseTo(0.5, within(1e-9));
    }

    @Test
    void heartbeatsAreKeptAsSamplesForADayWithTheNfsCountWhenSent() {
        RegisteredNode node = registerNode("dp-history", "10.0.7.1:20490");
        String fs = createFileSystem().get("id").asString();
        jdbc.sql("delete from file_system_member where file_system_id = ?").param(fs).update();
        jdbc.sql("insert into file_system_member (file_system_id, node_id, position, added_at) values (?, ?, 0, now())")
                .params(fs, node.id()).update();
        sample(fs, node.id(), Instant.now().minus(Duration.ofHours(25)), 1, 1L);

        Map<String, Object> report = new HashMap<>(Map.of("fileSystemId", fs, "cacheBytes", 100,
                "s3Requests", Map.of("GET", 5)));
        Api.Response older = anonymous().withBearer(node.token()).post("/api/v1/nodes/" + node.id() + "/heartbeat",
                Map.of("fileSystems", List.of(report)));
        assertThat(older.status()).as("a heartbeat without nfsOperations").isEqualTo(200);
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/status").json().get("latestReport")
                .get("nfsOperations").isNull()).isTrue();
        report.put("nfsOperations", 1234);
        Api.Response newer = anonymous().withBearer(node.token()).post("/api/v1/nodes/" + node.id() + "/heartbeat",
                Map.of("fileSystems", List.of(report)));
        assertThat(newer.status()).as(newer.toString()).isEqualTo(200);
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/status").json().get("latestReport")
                .get("nfsOperations").asLong()).isEqualTo(1234);

        JsonNode samples = history(fs, "?minutes=1440").get("samples");
        assertThat(samples).as("the 25-hour-old sample was pruned").hasSize(2);
        assertThat(samples.findValuesAsString("nodeId")).containsOnly(node.id());
        assertThat(samples.get(0).get("cacheBytes").asLong()).isEqualTo(100);
        assertThat(samples.get(0).get("s3RequestsPerSecond").isNull()).isTrue();
        assertThat(samples.get(1).get("nfsOperationsPerSecond").isNull())
                .as("no NFS count in the report before").isFalse();
        assertThat(jdbc.sql("select count(*) from file_system_sample where file_system_id = ?").param(fs)
                .query(Integer.class).single()).isEqualTo(2);
        JsonNode byDefault = history(fs, "");
        assertThat(Duration.between(Instant.parse(byDefault.get("from").asString()),
                Instant.parse(byDefault.get("to").asString()))).isEqualTo(Duration.ofMinutes(60));

        admin().delete("/api/v1/file-systems/" + fs + "?force=true");
        assertThat(jdbc.sql("select count(*) from file_system_sample where file_system_id = ?").param(fs)
                .query(Integer.class).single()).as("cascaded").isZero();
    }

    @Test
    void badRequestsAreExplained() {
        String fs = createFileSystem().get("id").asString();
        assertThat(history(fs, "?minutes=60").get("samples")).isEmpty();
        for (String minutes : List.of("0", "1441", "-5", "many")) {
            Api.Response refused = admin().get("/api/v1/file-systems/" + fs + "/history?minutes=" + minutes);
            assertThat(refused.status()).as(minutes).isEqualTo(400);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.detail()).as(minutes).contains("minutes");
        }
        Api.Response unknown = admin().get("/api/v1/file-systems/fs-00000000000000000/history");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.detail()).isNotBlank();
        assertThat(admin().get("/api/v1/file-systems/nope/history").status()).isEqualTo(400);
        assertThat(anonymous().get("/api/v1/file-systems/" + fs + "/history").status()).isEqualTo(401);
    }
}
