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
    void aBodyOfAnotherMediaTypeIsRefusedWithTheReason() {
        Api.Response refused = admin().withHeader("Content-Type", "text/plain")
                .send("POST", "/api/v1/tokens", null);
        assertThat(refused.status()).isIn(400, 415);
        assertThat(refused.contentType()).startsWith("application/problem+json");
    }
}
