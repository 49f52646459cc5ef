package dev.regatta.controlplane.node;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * File systems served by groups of 3 (issue 17): what nodes tell of themselves, where groups are placed and when
 * members are replaced, what each member is sent, and which member's word counts. Silent nodes are made by moving
 * their last heartbeat back, as in {@link NodeApiTest}; {@code regatta.replication.replace-after} is its default,
 * 10 minutes.
 */
class ReplicationGroupApiTest extends ApiTestBase {

    /** Each test starts without nodes or file systems, so that placements are its own. */
    @BeforeEach
    void noNodesNorFileSystems() {
        jdbc.sql("delete from file_system").update();
        jdbc.sql("delete from node").update();
    }

    /** A node that can be a member of a group: it reports a zone and a replication address. */
    private RegisteredNode replicatingNode(String name, String zone, int n) {
        return registerNode(Map.of("name", name, "address", "10.0.1." + n + ":20490", "zone", zone,
                "nfsAddress", "10.0.1." + n + ":2049", "replicationAddress", "10.0.1." + n + ":20500"));
    }

    private Api.Response heartbeat(RegisteredNode node, Map<String, Object> body) {
        return anonymous().withBearer(node.token()).post("/api/v1/nodes/" + node.id() + "/heartbeat", body);
    }

    private JsonNode heartbeat(RegisteredNode node) {
        Api.Response answer = heartbeat(node, Map.of("fileSystems", List.of()));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        return answer.json();
    }

    /** A heartbeat with one report on the file system: its part in the group and a cache figure. */
    private void report(RegisteredNode node, String fileSystemId, String role, long term, long appliedIndex,
                        long dirtyBytes) {
        Map<String, Object> report = new HashMap<>(Map.of("fileSystemId", fileSystemId, "role", role, "term", term,
                "appliedIndex", appliedIndex, "dirtyBytes", dirtyBytes));
        Api.Response answer = heartbeat(node, Map.of("fileSystems", List.of(report)));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
    }

    private void silence(RegisteredNode node, Duration forHowLong) {
        jdbc.sql("update node set last_heartbeat_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minus(forHowLong)), node.id()).update();
    }

    private String createGroupOfThree() {
        Map<String, Object> request = fileSystemRequest();
        request.put("replicas", 3);
        return createFileSystem(request).get("id").asString();
    }

    private JsonNode status(String fileSystemId) {
        Api.Response status = admin().get("/api/v1/file-systems/" + fileSystemId + "/status");
        assertThat(status.status()).as(status.toString()).isEqualTo(200);
        return status.json();
    }

    /** The group's node IDs in position order. */
    private List<String> members(String fileSystemId) {
        return jdbc.sql("select node_id from file_system_member where file_system_id = ? order by position")
                .param(fileSystemId).query(String.class).list();
    }

    private JsonNode node(String id) {
        for (JsonNode n : admin().get("/api/v1/nodes").json()) {
            if (n.get("id").asString().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " listed");
    }

    @Test
    void registrationAndHeartbeatsKeepWhatANodeSaysOfItself() {
        RegisteredNode node = registerNode(Map.of("name", "dp-1", "address", "10.0.0.5:20490", "zone", "eu-west-1a",
                "nfsAddress", "10.0.0.5:2049", "replicationAddress", " 10.0.0.5:20500 "));
        JsonNode shown = node(node.id());
        assertThat(shown.get("zone").asString()).isEqualTo("eu-west-1a");
        assertThat(shown.get("nfsAddress").asString()).isEqualTo("10.0.0.5:2049");
        assertThat(shown.get("replicationAddress").asString()).isEqualTo("10.0.0.5:20500");

        assertThat(heartbeat(node, Map.of("fileSystems", List.of(), "nfsAddress", "10.0.0.5:3049",
                "replicationAddress", "[fd00::5]:20501")).status()).isEqualTo(200);
        shown = node(node.id());
        assertThat(shown.get("nfsAddress").asString()).as("a restarted node's new port").isEqualTo("10.0.0.5:3049");
        assertThat(shown.get("replicationAddress").asString()).isEqualTo("[fd00::5]:20501");
        assertThat(shown.get("zone").asString()).as("not sent: kept").isEqualTo("eu-west-1a");

        heartbeat(node);
        assertThat(node(node.id()).get("nfsAddress").asString()).isEqualTo("10.0.0.5:3049");

        RegisteredNode older = registerNode("dp-old", "10.0.0.6:20490");
        JsonNode olderShown = node(older.id());
        assertThat(olderShown.get("zone").isNull()).as("a node from before replication").isTrue();
        assertThat(olderShown.get("nfsAddress").isNull()).isTrue();
        assertThat(olderShown.get("replicationAddress").isNull()).isTrue();
    }

    @Test
    void badZonesAndAddressesAre400NamingTheField() {
        Api bootstrap = anonymous().withBearer(bootstrapToken());
        List<Map<String, Object>> bad = List.of(Map.of("zone", ""), Map.of("zone", "eu west"),
                Map.of("zone", "z".repeat(65)), Map.of("nfsAddress", "10.0.0.5"),
                Map.of("nfsAddress", "10.0.0.5:0"), Map.of("replicationAddress", "10.0.0.5:99999"),
                Map.of("replicationAddress", "user@10.0.0.5:20500"));
        for (Map<String, Object> fields : bad) {
            Map<String, Object> body = new HashMap<>(Map.of("name", "dp-1", "address", "10.0.0.5:20490",
                    "csr", newCsr()));
            body.putAll(fields);
            Api.Response refused = bootstrap.post("/api/v1/nodes", body);
            String field = fields.keySet().iterator().next();
            assertThat(refused.status()).as(fields.toString()).isEqualTo(400);
            assertThat(refused.detail()).as(fields.toString()).contains(field);
        }
        assertThat(jdbc.sql("select count(*) from node").query(Integer.class).single()).isZero();

        RegisteredNode node = registerNode("dp-1", "10.0.0.5:20490");
        for (Map<String, Object> fields : bad) {
            Map<String, Object> body = new HashMap<>(fields);
            body.put("fileSystems", List.of());
            Api.Response refused = heartbeat(node, body);
            assertThat(refused.status()).as(fields.toString()).isEqualTo(400);
            assertThat(refused.detail()).as(fields.toString()).contains(fields.keySet().iterator().next());
        }
        Api.Response negativeTerm = heartbeat(node, Map.of("fileSystems", List.of(Map.of(
                "fileSystemId", "fs-00000000000000000", "term", -1))));
        assertThat(negativeTerm.status()).isEqualTo(400);
        assertThat(negativeTerm.detail()).contains("term");
        Api.Response negativeIndex = heartbeat(node, Map.of("fileSystems", List.of(Map.of(
                "fileSystemId", "fs-00000000000000000", "appliedIndex", -5))));
        assertThat(negativeIndex.status()).isEqualTo(400);
        assertThat(negativeIndex.detail()).contains("appliedIndex");
        assertThat(node(node.id()).get("zone").isNull()).as("nothing of a refused heartbeat is kept").isTrue();
    }

    @Test
    void aGroupOfThreeWaitsForThreeLiveNodesWithAReplicationAddressThenSpansThreeZones() {
        RegisteredNode a = replicatingNode("dp-a", "zone-a", 1);
        RegisteredNode b = replicatingNode("dp-b", "zone-b", 2);
        registerNode("dp-plain", "10.0.0.9:20490");
        String fs = createGroupOfThree();

        assertThat(members(fs)).isEmpty();
        JsonNode waiting = status(fs);
        assertThat(waiting.get("replicas").asInt()).isEqualTo(3);
        assertThat(waiting.get("leader").isNull()).isTrue();
        assertThat(waiting.get("members")).isEmpty();
        assertThat(waiting.get("placement").asString()).isEqualTo("unplaced: file system " + fs + " needs 3 live "
                + "nodes with a replication address, 2 are live (1 more live node reports no replication address)");
        JsonNode details = admin().get("/api/v1/file-systems/" + fs).json();
        assertThat(details.get("replicas").asInt()).isEqualTo(3);
        assertThat(details.get("nodeId").isNull()).isTrue();
        assertThat(details.get("node").isNull()).isTrue();
        assertThat(heartbeat(a).get("fileSystems")).as("not placed: sent to nobody").isEmpty();

        RegisteredNode c = replicatingNode("dp-c", "zone-c", 3);
        assertThat(members(fs)).as("registering is not heartbeating").isEmpty();
        JsonNode answer = heartbeat(c);
        assertThat(members(fs)).containsExactlyInAnyOrder(a.id(), b.id(), c.id());
        assertThat(answer.get("fileSystems").findValuesAsString("id")).containsExactly(fs);

        JsonNode placed = status(fs);
        assertThat(placed.get("placement").asString()).isEqualTo("placed on 3 nodes in 3 zones; no member reports "
                + "leading yet");
        assertThat(placed.get("members").findValuesAsString("zone"))
                .containsExactlyInAnyOrder("zone-a", "zone-b", "zone-c");
        assertThat(placed.get("members").findValuesAsString("role")).containsOnly("unknown");
        for (JsonNode member : placed.get("members")) {
            assertThat(member.get("live").asBoolean()).isTrue();
            assertThat(member.get("lag").isNull()).as("no leader").isTrue();
            assertThat(member.get("tlsAddress").asString()).endsWith(":20490");
            assertThat(member.get("nfsAddress").asString()).endsWith(":2049");
        }
        assertThat(node(b.id()).get("fileSystemCount").asInt()).isEqualTo(1);
    }

    @Test
    void placementNeverPutsTwoMembersInOneZoneWhenItCanBeAvoided() {
        RegisteredNode a1 = replicatingNode("dp-a1", "zone-a", 1);
        RegisteredNode a2 = replicatingNode("dp-a2", "zone-a", 2);
        replicatingNode("dp-b", "zone-b", 3);
        replicatingNode("dp-c", "zone-c", 4);
        Map<String, String> zoneOf = new HashMap<>();
        for (JsonNode n : admin().get("/api/v1/nodes").json()) {
            zoneOf.put(n.get("id").asString(), n.get("zone").asString());
        }
        List<String> fileSystems = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fileSystems.add(createGroupOfThree());
        }
        for (String fs : fileSystems) {
            assertThat(members(fs)).hasSize(3);
            assertThat(members(fs).stream().map(zoneOf::get)).as(fs).containsExactlyInAnyOrder("zone-a", "zone-b",
                    "zone-c");
            assertThat(status(fs).get("placement").asString()).startsWith("placed on 3 nodes in 3 zones");
        }
        assertThat(node(a1.id()).get("fileSystemCount").asInt() + node(a2.id()).get("fileSystemCount").asInt())
                .isEqualTo(4);
        assertThat(node(a1.id()).get("fileSystemCount").asInt()).as("zone a's two nodes share its places")
                .isEqualTo(2);
    }

    @Test
    void everyMemberIsSentTheFileSystemWithTheSameMembersInPositionOrder() {
        RegisteredNode a = replicatingNode("dp-a", "zone-a", 1);
        RegisteredNode b = replicatingNode("dp-b", "zone-b", 2);
        RegisteredNode c = replicatingNode("dp-c", "zone-c", 3);
        String fs = createGroupOfThree();
        String grant = admin().post("/api/v1/file-systems/" + fs + "/grants", Map.of("principal", "123456789012"))
                .json().get("id").asString();
        List<String> positions = members(fs);
        assertThat(positions).hasSize(3);

        JsonNode first = null;
        for (RegisteredNode node : List.of(a, b, c)) {
            JsonNode served = heartbeat(node).get("fileSystems");
            assertThat(served).as(node.id()).hasSize(1);
            JsonNode assigned = served.get(0);
            assertThat(assigned.get("id").asString()).isEqualTo(fs);
            assertThat(assigned.get("replicas").asInt()).isEqualTo(3);
            assertThat(assigned.get("grants").findValuesAsString("id")).containsExactly(grant);
            assertThat(assigned.get("members").findValuesAsString("nodeId")).containsExactlyElementsOf(positions);
            if (first == null) {
                first = assigned.get("members");
            } else {
                assertThat(assigned.get("members")).isEqualTo(first);
            }
        }
        JsonNode memberA = null;
        for (JsonNode member : first) {
            assertThat(member.propertyNames()).containsExactlyInAnyOrder("nodeId", "name", "replicationAddress",
                    "nfsAddress", "tlsAddress");
            if (member.get("nodeId").asString().equals(a.id())) {
                memberA = member;
            }
        }
        assertThat(memberA).isNotNull();
        assertThat(memberA.get("name").asString()).isEqualTo("dp-a");
        assertThat(memberA.get("replicationAddress").asString()).isEqualTo("10.0.1.1:20500");
        assertThat(memberA.get("nfsAddress").asString()).isEqualTo("10.0.1.1:2049");
        assertThat(memberA.get("tlsAddress").asString()).isEqualTo("10.0.1.1:20490");
    }

    @Test
    void theMemberLeadingInTheHighestTermLeadsAndOnlyItsReportIsTheStatus() {
        RegisteredNode a = replicatingNode("dp-a", "zone-a", 1);
        RegisteredNode b = replicatingNode("dp-b", "zone-b", 2);
        RegisteredNode c = replicatingNode("dp-c", "zone-c", 3);
        String fs = createGroupOfThree();

        report(b, fs, "leader", 2, 120, 4096);
        report(c, fs, "follower", 2, 110, 0);
        report(a, fs, "leader", 1, 100, 777); // the old leader, not told yet

        JsonNode status = status(fs);
        assertThat(status.get("leader").asString()).isEqualTo(b.id());
        assertThat(status.get("placement").asString()).isEqualTo("placed on 3 nodes in 3 zones");
        assertThat(status.get("latestReport").get("nodeId").asString()).as("only the leader's figures count")
                .isEqualTo(b.id());
        assertThat(status.get("latestReport").get("dirtyBytes").asLong()).isEqualTo(4096);
        Map<String, JsonNode> byNode = new HashMap<>();
        status.get("members").forEach(m -> byNode.put(m.get("nodeId").asString(), m));
        assertThat(byNode.get(b.id()).get("role").asString()).isEqualTo("leader");
        assertThat(byNode.get(b.id()).get("lag").asLong()).isZero();
        assertThat(byNode.get(b.id()).get("node").asString()).isEqualTo("dp-b");
        assertThat(byNode.get(c.id()).get("role").asString()).isEqualTo("follower");
        assertThat(byNode.get(c.id()).get("appliedIndex").asLong()).isEqualTo(110);
        assertThat(byNode.get(c.id()).get("lag").asLong()).isEqualTo(10);
        assertThat(byNode.get(a.id()).get("lag").asLong()).isEqualTo(20);
        assertThat(byNode.get(a.id()).get("reportedAt").isNull()).isFalse();
        assertThat(admin().get("/api/v1/file-systems/" + fs).json().get("nodeId").asString()).isEqualTo(b.id());
        assertThat(admin().get("/api/v1/file-systems").json().findValuesAsString("nodeId")).containsExactly(b.id());
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/history").json().get("samples")
                .findValuesAsString("nodeId")).containsOnly(b.id());

        // a takes over in term 3: its word now counts, and b's late report in term 2 no longer does.
        report(a, fs, "leader", 3, 130, 10);
        report(b, fs, "leader", 2, 121, 4096);
        status = status(fs);
        assertThat(status.get("leader").asString()).isEqualTo(a.id());
        assertThat(status.get("latestReport").get("nodeId").asString()).isEqualTo(a.id());
        assertThat(status.get("latestReport").get("dirtyBytes").asLong()).isEqualTo(10);

        // A leader that falls silent leads no more; a member reporting a role this version does not know is unknown.
        report(c, fs, "candidate", 4, 131, 0);
        silence(a, Duration.ofMinutes(2));
        status = status(fs);
        assertThat(status.get("leader").asString()).as("b still claims term 2, the highest of the live")
                .isEqualTo(b.id());
        assertThat(status.get("placement").asString()).isEqualTo("placed on 3 nodes in 3 zones; degraded: dp-a is "
                + "down");
        status.get("members").forEach(m -> byNode.put(m.get("nodeId").asString(), m));
        assertThat(byNode.get(c.id()).get("role").asString()).isEqualTo("unknown");
        assertThat(byNode.get(c.id()).get("lag").asLong()).as("never negative").isZero();
        assertThat(byNode.get(a.id()).get("live").asBoolean()).isFalse();
    }

    @Test
    void aMemberSilentLongerThanReplaceAfterIsReplacedByALiveNodeInAnUnusedZone() {
        RegisteredNode a = replicatingNode("dp-a", "zone-a", 1);
        RegisteredNode b = replicatingNode("dp-b", "zone-b", 2);
        RegisteredNode c = replicatingNode("dp-c", "zone-c", 3);
        String fs = createGroupOfThree();
        List<String> before = members(fs);
        int positionOfC = before.indexOf(c.id());

        silence(c, Duration.ofHours(1));
        heartbeat(a);
        assertThat(members(fs)).as("no node is free: the member stays").isEqualTo(before);
        assertThat(status(fs).get("placement").asString()).contains("degraded: dp-c is down");

        RegisteredNode sameZone = replicatingNode("dp-b2", "zone-b", 4);
        RegisteredNode newZone = replicatingNode("dp-d", "zone-d", 5);
        silence(c, Duration.ofMinutes(5));
        heartbeat(a);
        assertThat(members(fs)).as("down, but not for replace-after yet").isEqualTo(before);

        silence(c, Duration.ofHours(1));
        JsonNode answer = heartbeat(newZone);
        List<String> after = new ArrayList<>(before);
        after.set(positionOfC, newZone.id());
        assertThat(members(fs)).as("the others keep their places").isEqualTo(after);
        assertThat(answer.get("fileSystems").findValuesAsString("id")).as("the new member is sent it at once")
                .containsExactly(fs);
        assertThat(answer.get("fileSystems").get(0).get("members").findValuesAsString("nodeId"))
                .containsExactlyElementsOf(after);
        assertThat(heartbeat(sameZone).get("fileSystems")).as("its zone holds a member already").isEmpty();
        assertThat(heartbeat(c).get("fileSystems")).as("the replaced node, come back").isEmpty();
        JsonNode status = status(fs);
        assertThat(status.get("members").findValuesAsString("zone")).containsExactlyInAnyOrder("zone-a", "zone-b",
                "zone-d");
        assertThat(node(c.id()).get("fileSystemCount").asInt()).isZero();
        assertThat(b.id()).isIn(members(fs));
    }

    @Test
    void aDeletedMembersPlaceIsFilledAtTheNextHeartbeat() {
        RegisteredNode a = replicatingNode("dp-a", "zone-a", 1);
        replicatingNode("dp-b", "zone-b", 2);
        RegisteredNode c = replicatingNode("dp-c", "zone-c", 3);
        String fs = createGroupOfThree();
        List<String> before = members(fs);
        int positionOfC = before.indexOf(c.id());

        assertThat(admin().delete("/api/v1/nodes/" + c.id()).status()).isEqualTo(204);
        assertThat(members(fs)).hasSize(2);
        assertThat(status(fs).get("placement").asString()).isEqualTo("placed on 2 of 3 nodes in 2 zones; degraded: "
                + "1 member is missing until a live node with a replication address outside the group is free; no "
                + "member reports leading yet");

        RegisteredNode d = replicatingNode("dp-d", "zone-d", 4);
        heartbeat(a);
        List<String> after = new ArrayList<>(before);
        after.set(positionOfC, d.id());
        assertThat(members(fs)).isEqualTo(after);
    }

    @Test
    void replicasDefaultToThreeAreFixedAtCreationAndMustBeOneThreeOrFive() {
        Map<String, Object> request = fileSystemRequest();
        request.remove("replicas");
        JsonNode created = createFileSystem(request);
        assertThat(created.get("replicas").asInt()).as("regatta.replication.default-replicas").isEqualTo(3);
        String fs = created.get("id").asString();
        assertThat(admin().get("/api/v1/file-systems").json().findValuesAsString("id")).contains(fs);

        Api.Response change = admin().patch("/api/v1/file-systems/" + fs, Map.of("replicas", 1, "name", "other"));
        assertThat(change.status()).isEqualTo(409);
        assertThat(change.detail()).contains("3 replica", "cannot be changed");
        assertThat(admin().get("/api/v1/file-systems/" + fs).json().get("name").asString()).isEqualTo("demo");
        Api.Response same = admin().patch("/api/v1/file-systems/" + fs, Map.of("replicas", 3, "name", "other"));
        assertThat(same.status()).as(same.toString()).isEqualTo(200);
        assertThat(same.json().get("name").asString()).isEqualTo("other");

        Set<Integer> refused = new HashSet<>();
        for (Object replicas : new Object[]{0, 2, 4, 7, -1, "three", 3.5}) {
            Map<String, Object> body = fileSystemRequest();
            body.put("replicas", replicas);
            Api.Response answer = admin().post("/api/v1/file-systems", body);
            assertThat(answer.status()).as(String.valueOf(replicas)).isEqualTo(400);
            assertThat(answer.detail()).as(String.valueOf(replicas)).contains("replicas");
            Api.Response patched = admin().patch("/api/v1/file-systems/" + fs, Map.of("replicas", replicas));
            refused.add(patched.status());
        }
        assertThat(refused).containsOnly(400);
        Map<String, Object> five = fileSystemRequest();
        five.put("replicas", 5);
        assertThat(createFileSystem(five).get("replicas").asInt()).isEqualTo(5);
    }
}
