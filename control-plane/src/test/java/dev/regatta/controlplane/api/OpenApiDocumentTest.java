package dev.regatta.controlplane.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class OpenApiDocumentTest extends ApiTestBase {

    @Test
    void theDocumentDescribesTheApiWithoutAuthentication() {
        Api.Response document = anonymous().get("/api/v1/openapi.json");
        assertThat(document.status()).isEqualTo(200);
        JsonNode json = document.json();
        assertThat(json.get("openapi").asString()).startsWith("3.");
        assertThat(json.get("paths").propertyNames()).contains("/api/v1/file-systems", "/api/v1/file-systems/{id}",
                "/api/v1/file-systems/{fileSystemId}/grants", "/api/v1/file-systems/{fileSystemId}/grants/{grantId}",
                "/api/v1/file-systems/{id}/status", "/api/v1/file-systems/{id}/mounts", "/api/v1/audit-events",
                "/api/v1/tokens", "/api/v1/tokens/{id}", "/api/v1/session", "/api/v1/nodes",
                "/api/v1/nodes/{nodeId}/heartbeat", "/api/v1/nodes/{id}");
        assertThat(json.get("paths").propertyNames()).doesNotContain("/error");
        assertThat(json.get("paths").get("/api/v1/file-systems").propertyNames()).contains("get", "post");
        assertThat(json.get("components").get("securitySchemes").propertyNames())
                .contains("adminToken", "consoleSession");
        assertThat(json.get("components").get("schemas").propertyNames())
                .contains("CreateFileSystemRequest", "HeartbeatResponse");
    }
}
