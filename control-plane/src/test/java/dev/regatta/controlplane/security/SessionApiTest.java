package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SessionApiTest extends ApiTestBase {

    private String password() throws Exception {
        Path file = properties.dataDir().resolve("admin-password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        return readSecret(file);
    }

    @Test
    void signInUsesAnHttpOnlyStrictSessionCookieAndSignOutEndsIt() throws Exception {
        CookieManager cookies = new CookieManager();
        Api browser = anonymous().withCookies(cookies);

        Api.Response before = browser.get("/api/v1/session");
        assertThat(before.status()).isEqualTo(200);
        assertThat(before.json().get("signedIn").asBoolean()).isFalse();
        assertThat(before.headers().allValues("Set-Cookie")).as("the console's CSRF token")
                .anyMatch(cookie -> cookie.startsWith("XSRF-TOKEN="));
        assertThat(browser.get("/api/v1/file-systems").status()).isEqualTo(401);

        Api.Response signedIn = browser.post("/api/v1/session", Map.of("username", "admin", "password", password()));
        assertThat(signedIn.status()).as(signedIn.toString()).isEqualTo(200);
        assertThat(signedIn.json().get("name").asString()).isEqualTo("admin");
        assertThat(signedIn.json().get("method").asString()).isEqualTo("SESSION");
        String sessionCookie = signedIn.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("REGATTA_SESSION=")).findFirst().orElseThrow();
        assertThat(sessionCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
        String csrfCookie = signedIn.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("XSRF-TOKEN=")).findFirst().orElseThrow();
        assertThat(csrfCookie).doesNotContainIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");

        assertThat(browser.get("/api/v1/file-systems").status()).isEqualTo(200);
        assertThat(browser.get("/api/v1/session").json().get("signedIn").asBoolean()).isTrue();

        assertThat(withCsrf(browser, cookies).delete("/api/v1/session").status()).isEqualTo(204);
        assertThat(browser.get("/api/v1/file-systems").status()).isEqualTo(401);
        assertThat(browser.get("/api/v1/session").json().get("signedIn").asBoolean()).isFalse();
    }

    @Test
    void sessionRequestsThatChangeStateNeedTheCsrfHeaderButTokenRequestsDoNot() throws Exception {
        CookieManager cookies = new CookieManager();
        Api browser = anonymous().withCookies(cookies);
        assertThat(browser.post("/api/v1/session", Map.of("username", "admin", "password", password())).status())
                .isEqualTo(200);

        Api.Response forged = browser.post("/api/v1/file-systems", fileSystemRequest());
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.detail()).contains("X-XSRF-TOKEN");
        Api.Response wrong = browser.withHeader("X-XSRF-TOKEN", "guess").post("/api/v1/file-systems",
                fileSystemRequest());
        assertThat(wrong.status()).isEqualTo(403);

        Api.Response console = withCsrf(browser, cookies).post("/api/v1/file-systems", fileSystemRequest());
        assertThat(console.status()).as(console.toString()).isEqualTo(201);

        assertThat(admin().post("/api/v1/file-systems", fileSystemRequest()).status())
                .as("a bearer token needs no CSRF header").isEqualTo(201);
    }

    @Test
    void aChangeWithoutCredentialsIs401LikeARead() {
        for (Api.Response refused : java.util.List.of(anonymous().post("/api/v1/file-systems", fileSystemRequest()),
                anonymous().delete("/api/v1/tokens/token-0123456789abcdef0"),
                anonymous().withHeader("X-XSRF-TOKEN", "guess").post("/api/v1/tokens", Map.of("name", "x")))) {
            assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        }
    }

    @Test
    void aSessionChangeFromAnotherOriginIsRefusedEvenWithTheCsrfToken() throws Exception {
        CookieManager cookies = new CookieManager();
        Api browser = anonymous().withCookies(cookies);
        assertThat(browser.withHeader("Origin", "https://evil.example").post("/api/v1/session",
                Map.of("username", "admin", "password", password())).status())
                .as("a sign-in from another origin").isEqualTo(403);
        assertThat(browser.post("/api/v1/session", Map.of("username", "admin", "password", password())).status())
                .isEqualTo(200);
        Api console = withCsrf(browser, cookies);

        for (String origin : java.util.List.of("https://evil.example", "http://localhost:" + (port + 1), "null",
                "http://localhost:" + port + "/path")) {
            Api.Response forged = console.withHeader("Origin", origin).post("/api/v1/file-systems",
                    fileSystemRequest());
            assertThat(forged.status()).as(origin).isEqualTo(403);
            assertThat(forged.contentType()).startsWith("application/problem+json");
            assertThat(forged.detail()).contains("origin");
        }
        assertThat(console.withHeader("Origin", "http://LOCALHOST:" + port).post("/api/v1/file-systems",
                fileSystemRequest()).status()).as("its own origin").isEqualTo(201);
        assertThat(console.post("/api/v1/file-systems", fileSystemRequest()).status())
                .as("no Origin: the token decides").isEqualTo(201);
        assertThat(admin().withHeader("Origin", "https://evil.example").post("/api/v1/file-systems",
                fileSystemRequest()).status()).as("a bearer token is not subject to CSRF checks").isEqualTo(201);
    }

    @Test
    void aWrongPasswordIs401AndRepeatedFailuresAreThrottledPerSource() throws Exception {
        Api caller = anonymous();
        for (int i = 0; i < 3; i++) {
            Api.Response refused = caller.post("/api/v1/session", Map.of("username", "admin", "password", "guess" + i));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(refused.detail()).isEqualTo("wrong username or password");
        }
        Api.Response throttled = caller.post("/api/v1/session", Map.of("username", "admin", "password", password()));
        assertThat(throttled.status()).as("even the right password waits").isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();

        Thread.sleep(properties.admin().failedLoginWindow().toMillis() + 200);
        assertThat(caller.post("/api/v1/session", Map.of("username", "admin", "password", password())).status())
                .isEqualTo(200);
        assertThat(caller.post("/api/v1/session", Map.of("username", "root", "password", password())).status())
                .isEqualTo(401);
    }

    @Test
    void signingInAgainGivesANewSessionAndTheOldOneStopsWorking() throws Exception {
        CookieManager cookies = new CookieManager();
        Api browser = anonymous().withCookies(cookies);
        assertThat(browser.post("/api/v1/session", Map.of("username", "admin", "password", password())).status())
                .isEqualTo(200);
        String first = sessionId(cookies);
        assertThat(browser.post("/api/v1/session", Map.of("username", "admin", "password", password())).status())
                .isEqualTo(200);
        String second = sessionId(cookies);
        assertThat(second).isNotEqualTo(first);

        assertThat(anonymous().withHeader("Cookie", "REGATTA_SESSION=" + second).get("/api/v1/file-systems")
                .status()).isEqualTo(200);
        assertThat(anonymous().withHeader("Cookie", "REGATTA_SESSION=" + first).get("/api/v1/file-systems")
                .status()).as("a session id known before sign-in is worthless after it").isEqualTo(401);
    }

    private static String sessionId(CookieManager cookies) {
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("REGATTA_SESSION"))
                .map(HttpCookie::getValue).findFirst().orElseThrow();
    }

    /** What the console does: repeat the XSRF-TOKEN cookie in the X-XSRF-TOKEN header. */
    private static Api withCsrf(Api browser, CookieManager cookies) {
        String token = cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("XSRF-TOKEN")).map(HttpCookie::getValue).findFirst().orElseThrow();
        return browser.withHeader("X-XSRF-TOKEN", token);
    }
}
