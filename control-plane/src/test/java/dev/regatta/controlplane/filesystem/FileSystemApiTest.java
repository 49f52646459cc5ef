package dev.regatta.controlplane.filesystem;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FileSystemApiTest extends ApiTestBase {

    @Test
    void createdWithDefaultsThenReadListedUpdatedAndDeleted() {
        JsonNode created = createFileSystem();
        String id = created.get("id").asString();
        assertThat(id).matches("fs-[0-9a-f]{17}");
        assertThat(created.get("name").asString()).isEqualTo("demo");
        assertThat(created.get("bucket").asString()).isEqualTo("demo-bucket");
        assertThat(created.get("endpoint").isNull()).isTrue();
        assertThat(created.get("keyPrefix").asString()).isEmpty();
        assertThat(created.get("defaultFileMode").asInt()).isEqualTo(0644);
        assertThat(created.get("defaultDirMode").asInt()).isEqualTo(0755);
        assertThat(created.get("flushDelaySeconds").asInt()).isEqualTo(300);
        assertThat(created.get("cacheTtlSeconds").asInt()).isEqualTo(3600);
        assertThat(created.get("grantCount").asInt()).isZero();
        assertThat(created.get("status").get("summary").asString()).isEqualTo("no report yet");

        Api.Response one = admin().get("/api/v1/file-systems/" + id);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("bucket").asString()).isEqualTo("demo-bucket");
        assertThat(admin().get("/api/v1/file-systems").json().findValuesAsString("id")).contains(id);

        Api.Response patched = admin().patch("/api/v1/file-systems/" + id,
                Map.of("name", "renamed", "cacheTtlSeconds", 60));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().get("name").asString()).isEqualTo("renamed");
        assertThat(patched.json().get("cacheTtlSeconds").asInt()).isEqualTo(60);
        assertThat(patched.json().get("bucket").asString()).as("untouched").isEqualTo("demo-bucket");
        assertThat(patched.json().get("flushDelaySeconds").asInt()).as("untouched").isEqualTo(300);

        assertThat(admin().delete("/api/v1/file-systems/" + id).status()).isEqualTo(204);
        assertThat(admin().get("/api/v1/file-systems/" + id).status()).isEqualTo(404);
        assertThat(admin().delete("/api/v1/file-systems/" + id).status()).isEqualTo(404);
    }

    @Test
    void acceptsEveryLimitAndNormalisesPrefixAndEndpoint() {
        Map<String, Object> body = fileSystemRequest();
        body.put("bucket", "a.b-c.123");
        body.put("region", "us-gov-west-1");
        body.put("endpoint", "http://127.0.0.1:9000");
        body.put("keyPrefix", "/data/logs");
        body.put("defaultUid", 4294967295L);
        body.put("defaultGid", 0);
        body.put("defaultFileMode", 07777);
        body.put("defaultDirMode", 0);
        body.put("flushDelaySeconds", 86400);
        body.put("cacheTtlSeconds", 604800);
        JsonNode created = createFileSystem(body);
        assertThat(created.get("keyPrefix").asString()).isEqualTo("data/logs/");
        assertThat(created.get("endpoint").asString()).isEqualTo("http://127.0.0.1:9000");
        assertThat(created.get("defaultUid").asLong()).isEqualTo(4294967295L);
        assertThat(created.get("defaultFileMode").asInt()).isEqualTo(4095);

        Api.Response cleared = admin().patch("/api/v1/file-systems/" + created.get("id").asString(),
                Map.of("endpoint", "", "keyPrefix", ""));
        assertThat(cleared.json().get("endpoint").isNull()).as("empty endpoint means AWS's").isTrue();
        assertThat(cleared.json().get("keyPrefix").asString()).isEmpty();
    }

    static Stream<Arguments> invalidFields() {
        List<Arguments> cases = new ArrayList<>();
        for (Object name : new Object[]{null, "", "   ", "x".repeat(129), "tab\there"}) {
            cases.add(Arguments.of("name", name));
        }
        for (Object bucket : new Object[]{null, "ab", "x".repeat(64), "Upper", "under_score", "-start", "end-",
                "two..dots", "192.168.1.10", "xn--punycode", "sthree-x", "name-s3alias", "name--ol-s3", 42}) {
            cases.add(Arguments.of("bucket", bucket));
        }
        for (Object region : new Object[]{null, "useast1", "US-EAST-1", "us-east", "us-east-1a"}) {
            cases.add(Arguments.of("region", region));
        }
        for (Object endpoint : new Object[]{"ftp://s3.example.com", "s3.example.com", "/relative",
                "http://user:secret@s3.example.com", "https://s3.example.com/?x=1", "http://", "http://a b"}) {
            cases.add(Arguments.of("endpoint", endpoint));
        }
        for (Object prefix : new Object[]{"a//b", "a/../b", "./a", "a/.", "..", "ctl\u0001x", "p".repeat(600)}) {
            cases.add(Arguments.of("keyPrefix", prefix));
        }
        cases.add(Arguments.of("defaultUid", -1));
        cases.add(Arguments.of("defaultUid", 4294967296L));
        cases.add(Arguments.of("defaultUid", "root"));
        cases.add(Arguments.of("defaultGid", -1));
        cases.add(Arguments.of("defaultGid", 4294967296L));
        cases.add(Arguments.of("defaultFileMode", -1));
        cases.add(Arguments.of("defaultFileMode", 4096));
        cases.add(Arguments.of("defaultDirMode", 4096));
        cases.add(Arguments.of("flushDelaySeconds", 0));
        cases.add(Arguments.of("flushDelaySeconds", 86401));
        cases.add(Arguments.of("cacheTtlSeconds", 0));
        cases.add(Arguments.of("cacheTtlSeconds", 604801));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("invalidFields")
    void everyRuleRefusesWith400NamingTheField(String field, Object value) {
        Map<String, Object> body = fileSystemRequest();
        if (value == null) {
            body.remove(field);
        } else {
            body.put(field, value);
        }
        Api.Response refused = admin().post("/api/v1/file-systems", body);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.detail()).contains(field);
        assertThat(refused.body()).doesNotContain("dev.regatta", "Exception", "at org.");
    }

    @Test
    void validationListsEachInvalidFieldWithItsReason() {
        Map<String, Object> body = fileSystemRequest();
        body.put("bucket", "Bad_Bucket");
        body.put("flushDelaySeconds", 0);
        Api.Response refused = admin().post("/api/v1/file-systems", body);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("bucket", "flushDelaySeconds");
        assertThat(refused.detail()).contains("bucket: may contain only lowercase letters, digits, dots and hyphens");
    }

    @Test
    void anUpdateIsValidatedLikeACreation() {
        String id = createFileSystem().get("id").asString();
        Api.Response refused = admin().patch("/api/v1/file-systems/" + id,
                Map.of("region", "nowhere", "name", " "));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.detail()).contains("region", "name");
        assertThat(admin().get("/api/v1/file-systems/" + id).json().get("region").asString()).isEqualTo("us-east-1");
    }

    @Test
    void malformedJsonAndWrongTypesAreExplained() {
        Api.Response syntax = admin().post("/api/v1/file-systems", "{\"name\": \"x\",");
        assertThat(syntax.status()).isEqualTo(400);
        assertThat(syntax.detail()).contains("not valid JSON");

        Api.Response noBody = admin().send("POST", "/api/v1/file-systems", null);
        assertThat(noBody.status()).isEqualTo(400);
        assertThat(noBody.detail()).contains("JSON body");

        Map<String, Object> body = fileSystemRequest();
        body.put("cacheTtlSeconds", "an hour");
        Api.Response wrongType = admin().post("/api/v1/file-systems", body);
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.detail()).contains("cacheTtlSeconds").doesNotContain("java.");
    }

    @Test
    void idsOfTheWrongShapeAre400AndUnknownOnes404() {
        Api.Response malformed = admin().get("/api/v1/file-systems/fs-123");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.detail()).contains("fs-123", "17");
        assertThat(admin().patch("/api/v1/file-systems/bucket", Map.of("name", "x")).status()).isEqualTo(400);

        Api.Response unknown = admin().get("/api/v1/file-systems/fs-00000000000000000");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(admin().patch("/api/v1/file-systems/fs-00000000000000000", Map.of("name", "x")).status())
                .isEqualTo(404);
        assertThat(admin().delete("/api/v1/file-systems/fs-00000000000000000").status()).isEqualTo(404);
    }

    @Test
    void deleteIsRefusedWhileMountedUnlessForced() {
        String id = createFileSystem().get("id").asString();
        insertMountSession(id, Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(admin().get("/api/v1/file-systems/" + id).json().get("activeMountCount").asInt())
                .as("an expired certificate is no mount").isZero();
        insertMountSession(id, Instant.now().plus(Duration.ofMinutes(30)));
        assertThat(admin().get("/api/v1/file-systems/" + id).json().get("activeMountCount").asInt()).isEqualTo(1);

        Api.Response refused = admin().delete("/api/v1/file-systems/" + id);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.detail()).contains("1 active mount", "force=true");
        assertThat(admin().get("/api/v1/file-systems/" + id).status()).isEqualTo(200);

        assertThat(admin().delete("/api/v1/file-systems/" + id + "?force=true").status()).isEqualTo(204);
        assertThat(admin().get("/api/v1/file-systems/" + id).status()).isEqualTo(404);
        assertThat(jdbc.sql("select count(*) from mount_session where file_system_id = ?").param(id)
                .query(Integer.class).single()).as("its mount sessions went with it").isZero();
    }

    @Test
    void aMountWhoseUnmountWasReportedNoLongerHoldsTheFileSystem() {
        String id = createFileSystem().get("id").asString();
        insertMountSession(id, Instant.now().plus(Duration.ofMinutes(30)), Instant.now(),
                "unmount reported by the client from 10.1.2.3");

        assertThat(admin().get("/api/v1/file-systems/" + id).json().get("activeMountCount").asInt()).isZero();
        assertThat(admin().patch("/api/v1/file-systems/" + id, Map.of("keyPrefix", "elsewhere")).status())
                .isEqualTo(200);
        assertThat(admin().delete("/api/v1/file-systems/" + id).status()).isEqualTo(204);
    }

    @Test
    void theDataCannotMoveUnderMountedClientsUnlessForced() {
        String id = createFileSystem().get("id").asString();
        insertMountSession(id, Instant.now().plus(Duration.ofMinutes(30)));

        Api.Response refused = admin().patch("/api/v1/file-systems/" + id, Map.of("keyPrefix", "elsewhere"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.detail()).contains("key prefix");
        assertThat(admin().patch("/api/v1/file-systems/" + id, Map.of("bucket", "demo-bucket")).status())
                .as("naming the same bucket moves nothing").isEqualTo(200);
        assertThat(admin().patch("/api/v1/file-systems/" + id, Map.of("flushDelaySeconds", 10)).status())
                .as("settings that keep the data where it is").isEqualTo(200);

        Api.Response forced = admin().patch("/api/v1/file-systems/" + id + "?force=true",
                Map.of("bucket", "other-bucket"));
        assertThat(forced.status()).isEqualTo(200);
        assertThat(forced.json().get("bucket").asString()).isEqualTo("other-bucket");
    }

    @Test
    void aBadForceParameterIsExplained() {
        String id = createFileSystem().get("id").asString();
        Api.Response refused = admin().delete("/api/v1/file-systems/" + id + "?force=perhaps");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.detail()).contains("force", "true or false");
    }
}
