package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's pages come from {@code static/} on the classpath (the web-console jar; here the test resources'
 * stand-ins) and are readable without signing in; the API is not.
 */
class ConsolePagesTest extends ApiTestBase {

    @Test
    void theRootGivesTheIndexPageWithoutSignIn() {
        Api.Response root = anonymous().get("/");
        assertThat(root.status()).as(root.toString()).isEqualTo(200);
        assertThat(root.contentType()).startsWith("text/html");
        assertThat(root.body()).contains("test page of the control plane's tests");
        assertThat(anonymous().get("/index.html").body()).isEqualTo(root.body());
    }

    @Test
    void scriptsStylesAndAssetsAreReadableWithoutSignIn() {
        Api.Response script = anonymous().get("/console.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).contains("javascript");
        Api.Response style = anonymous().get("/console.css");
        assertThat(style.status()).isEqualTo(200);
        assertThat(style.contentType()).startsWith("text/css");
        assertThat(anonymous().get("/assets/logo.svg").status()).isEqualTo(200);
        assertThat(anonymous().send("HEAD", "/console.js", null).status()).isEqualTo(200);
    }

    @Test
    void pagesCarrySecurityHeaders() {
        for (String path : List.of("/", "/console.js", "/api/v1/session", "/api/v1/file-systems")) {
            Api.Response answer = anonymous().get(path);
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(path)
                    .hasValue(SecurityConfiguration.CONTENT_SECURITY_POLICY);
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
            assertThat(answer.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
            assertThat(answer.headers().firstValue("Referrer-Policy")).as(path).hasValue("same-origin");
        }
        assertThat(SecurityConfiguration.CONTENT_SECURITY_POLICY)
                .startsWith("default-src 'self';").contains("frame-ancestors 'none'").doesNotContain("unsafe");
    }

    @Test
    void theApiAndOtherPathsStayProtected() {
        assertThat(anonymous().get("/api/v1/file-systems").status()).isEqualTo(401);
        assertThat(anonymous().get("/api/v1/audit-events").status()).isEqualTo(401);
        assertThat(anonymous().get("/api/v1/nodes").status()).isEqualTo(401);
        assertThat(anonymous().get("/api/v1/file-systems.js").status()).as("a page pattern under /api").isEqualTo(401);
        assertThat(anonymous().get("/secret/config.js").status()).as("only top-level pages and /assets")
                .isEqualTo(401);
        Api.Response posted = anonymous().post("/index.html", "{}");
        assertThat(posted.status()).as("only GET and HEAD of pages").isIn(401, 403);
        assertThat(admin().get("/api/v1/file-systems").status()).isEqualTo(200);
    }
}
