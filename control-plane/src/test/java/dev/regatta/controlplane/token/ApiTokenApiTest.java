package dev.regatta.controlplane.token;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ApiTokenApiTest extends ApiTestBase {

    @Test
    void theConfiguredInitialTokenExistsOnceAndAuthenticates() {
        assertThat(admin().get("/api/v1/tokens").status()).isEqualTo(200);
        assertThat(jdbc.sql("select count(*) from api_token where name = 'initial admin token'")
                .query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void aCreatedTokenAuthenticatesIsListedWithoutItsSecretAndStopsWhenRevoked() {
        Api.Response created = admin().post("/api/v1/tokens", Map.of("name", "ci pipeline"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.json().get("id").asString();
        String secret = created.json().get("token").asString();
        assertThat(id).matches("token-[0-9a-f]{17}");
        assertThat(secret).startsWith("rgt_").hasSizeGreaterThanOrEqualTo(4 + 43);
        assertThat(created.json().get("createdAt").asString()).isNotBlank();

        Api ci = anonymous().withBearer(secret);
        Api.Response used = ci.get("/api/v1/file-systems");
        assertThat(used.status()).isEqualTo(200);
        assertThat(used.headers().allValues("Set-Cookie")).as("a token makes no session")
                .noneMatch(cookie -> cookie.startsWith("REGATTA_SESSION="));

        Api.Response list = ci.get("/api/v1/tokens");
        assertThat(list.body()).doesNotContain(secret).doesNotContainIgnoringCase("hash");
        JsonNode listed = find(list.json(), id);
        assertThat(listed.get("name").asString()).isEqualTo("ci pipeline");
        assertThat(listed.get("lastUsedAt").isNull()).as("its use was recorded").isFalse();
        assertThat(find(ci.get("/api/v1/tokens").json(), id).get("lastUsedAt"))
                .as("recorded at most once a minute").isEqualTo(listed.get("lastUsedAt"));
        assertThat(listed.get("revokedAt").isNull()).isTrue();
        assertThat(listed.has("token")).isFalse();
        byte[] stored = jdbc.sql("select token_hash from api_token where id = ?").param(id).query(byte[].class)
                .single();
        assertThat(stored).hasSize(32).isNotEqualTo(secret.getBytes());

        assertThat(admin().delete("/api/v1/tokens/" + id).status()).isEqualTo(204);
        Api.Response revoked = ci.get("/api/v1/file-systems");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(revoked.contentType()).startsWith("application/problem+json");
        assertThat(find(admin().get("/api/v1/tokens").json(), id).get("revokedAt").isNull()).isFalse();
        assertThat(admin().delete("/api/v1/tokens/" + id).status()).as("revoking again is harmless").isEqualTo(204);
    }

    @Test
    void noTokenOrAWrongOneIs401ProblemWithTheBearerChallenge() {
        for (Api caller : new Api[]{anonymous(), anonymous().withBearer("rgt_not-a-token"),
                anonymous().withHeader("Authorization", "Bearer ")}) {
            Api.Response refused = caller.get("/api/v1/file-systems");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.detail()).isNotBlank();
        }
        assertThat(anonymous().withBearer("rgt_not-a-token").post("/api/v1/tokens", Map.of("name", "x")).status())
                .isEqualTo(401);
    }

    @Test
    void revokingAnUnknownOrMalformedIdIsRefused() {
        assertThat(admin().delete("/api/v1/tokens/token-00000000000000000").status()).isEqualTo(404);
        assertThat(admin().delete("/api/v1/tokens/abc").status()).isEqualTo(400);
        assertThat(admin().post("/api/v1/tokens", Map.of("name", " ")).detail()).contains("name");
    }

    private static JsonNode find(JsonNode list, String id) {
        for (JsonNode token : list) {
            if (token.get("id").asString().equals(id)) {
                return token;
            }
        }
        throw new AssertionError(id + " not listed in " + list);
    }
}
