package dev.regatta.controlplane.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorResponsesTest extends ApiTestBase {

    @Test
    void anUnknownRouteOrMethodIsProblemJson() {
        Api.Response unknown = admin().get("/api/v1/no-such-thing");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.detail()).contains("/api/v1/no-such-thing");

        Api.Response method = admin().send("PUT", "/api/v1/tokens", "{}");
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.contentType()).startsWith("application/problem+json");
    }

    @Test
    void errorAskedForDirectlyIsAnUnknownRoute() {
        for (Api.Response response : java.util.List.of(admin().get("/error"), anonymous().get("/error"))) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void pathsTomcatOrTheFirewallRefuseAreProblemJson() {
        for (String path : java.util.List.of("/api/v1/file-systems/a%2fb", "/api/v1/file-systems/a%2Fb",
                "/api/v1/file-systems/a%00b", "/api/v1/file-systems/a%5cb", "/api/v1/file-systems/a%25b",
                "/api/v1//file-systems", "/api/v1/file-systems/a;b")) {
            Api.Response refused = admin().get(path);
            assertThat(refused.status()).as(path + " " + refused).isEqualTo(400);
            assertThat(refused.contentType()).as(path).startsWith("application/problem+json");
            assertThat(refused.json().get("status").asInt()).as(path).isEqualTo(400);
            assertThat(refused.body()).as(path).doesNotContainIgnoringCase("<html");
        }
    }

    @Test
    void aRequestLineOverTheHeaderLimitIsProblemJson() {
        Api.Response refused = admin().get("/api/v1/audit-events?principal=" + "x".repeat(20_000));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.detail()).contains("request line and headers");
    }

    @Test
    void aBodyOfAnotherMediaTypeIsRefusedWithTheReason() {
        Api.Response refused = admin().withHeader("Content-Type", "text/plain")
                .send("POST", "/api/v1/tokens", null);
        assertThat(refused.status()).isIn(400, 415);
        assertThat(refused.contentType()).startsWith("application/problem+json");
    }
}
