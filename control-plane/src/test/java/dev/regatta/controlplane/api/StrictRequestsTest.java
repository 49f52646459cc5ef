package dev.regatta.controlplane.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Admin and console request bodies are read as exactly what they say; node messages may carry newer fields. */
class StrictRequestsTest extends ApiTestBase {

    private static final String FS = "\"name\": \"demo\", \"bucket\": \"demo-bucket\", \"region\": \"us-east-1\"";

    @Test
    void anAdminBodyWithAnUnknownFieldIsRefusedNamingIt() {
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS + ", \"colour\": \"blue\"}"), "colour");
        assertRefusedNaming(admin().post("/api/v1/tokens", "{\"name\": \"ci\", \"scope\": \"all\"}"), "scope");
        assertRefusedNaming(anonymous().post("/api/v1/session",
                "{\"username\": \"admin\", \"password\": \"x\", \"remember\": true}"), "remember");
        String fs = createFileSystem().get("id").asString();
        assertRefusedNaming(admin().post("/api/v1/file-systems/" + fs + "/grants",
                "{\"principal\": \"123456789012\", \"acess\": \"READ_ONLY\"}"), "acess");
        assertRefusedNaming(admin().patch("/api/v1/file-systems/" + fs, "{\"nmae\": \"renamed\"}"), "nmae");
        assertThat(admin().get("/api/v1/file-systems/" + fs).json().get("name").asString()).isEqualTo("demo");
    }

    @Test
    void aKeyGivenTwiceIsRefusedNamingIt() {
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS + ", \"name\": \"other\"}"), "name");
        assertRefusedNaming(admin().post("/api/v1/tokens", "{\"name\": \"a\", \"name\": \"b\"}"), "name");
    }

    @Test
    void valuesOfTheWrongJsonTypeAreNotConverted() {
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS.replace("\"demo\"", "123") + "}"), "name");
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS + ", \"defaultUid\": 1.5}"), "defaultUid");
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS + ", \"defaultUid\": \"1000\"}"),
                "defaultUid");
        assertRefusedNaming(admin().post("/api/v1/file-systems", "{" + FS + ", \"flushDelaySeconds\": true}"),
                "flushDelaySeconds");
        assertRefusedNaming(admin().post("/api/v1/tokens", "{\"name\": false}"), "name");
        String fs = createFileSystem().get("id").asString();
        assertRefusedNaming(admin().post("/api/v1/file-systems/" + fs + "/grants",
                "{\"principal\": \"123456789012\", \"rootSquash\": \"true\"}"), "rootSquash");
        assertRefusedNaming(admin().post("/api/v1/file-systems/" + fs + "/grants",
                "{\"principal\": \"123456789012\", \"access\": 0}"), "access");
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/grants").json()).isEmpty();
    }

    @Test
    void anythingAfterTheBodyIsRefused() {
        Api.Response refused = admin().post("/api/v1/tokens", "{\"name\": \"ci\"} {\"name\": \"again\"}");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
    }

    @Test
    void everyStringIsBounded() {
        String huge = "x".repeat(10_000);
        Map<String, Object> endpoint = fileSystemRequest();
        endpoint.put("endpoint", "https://s3.example.com/" + huge);
        assertRefusedNaming(admin().post("/api/v1/file-systems", endpoint), "endpoint");
        Map<String, Object> region = fileSystemRequest();
        region.put("region", "us-" + "a".repeat(10_000) + "-1");
        assertRefusedNaming(admin().post("/api/v1/file-systems", region), "region");
        String fs = createFileSystem().get("id").asString();
        assertRefusedNaming(admin().post("/api/v1/file-systems/" + fs + "/grants",
                Map.of("principal", "arn:aws:iam::123456789012:role/" + huge)), "principal");
        assertRefusedNaming(admin().post("/api/v1/tokens", Map.of("name", huge)), "name");
        assertRefusedNaming(anonymous().post("/api/v1/session", Map.of("username", huge, "password", "x")),
                "username");
    }

    @Test
    void aNodeMessageMayCarryFieldsOfALaterVersion() {
        Map<String, Object> registration = new HashMap<>(Map.of("name", "dp-new", "address", "10.0.7.1:20490",
                "csr", newCsr(), "capabilities", List.of("later")));
        Api.Response registered = anonymous().withBearer(bootstrapToken()).post("/api/v1/nodes", registration);
        assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
        JsonNode node = registered.json();

        Api.Response answer = anonymous().withBearer(node.get("nodeToken").asString())
                .post("/api/v1/nodes/" + node.get("nodeId").asString() + "/heartbeat",
                        Map.of("fileSystems", List.of(), "uptimeSeconds", 12));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
    }

    private static void assertRefusedNaming(Api.Response refused, String field) {
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.detail()).as(refused.toString()).contains(field).doesNotContain("dev.regatta", "java.");
        assertThat(refused.json().get("errors").findValuesAsString("field")).as(refused.toString()).contains(field);
    }
}
