package dev.regatta.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.pki.KeyMaterial;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code regatta up --control-planes 2} (issue 17): two control planes over the stack's one PostgreSQL answer alike,
 * and one of them killed with SIGKILL leaves the other serving. The first control plane runs the embedded
 * PostgreSQL, so the second is the one killed; the node heartbeats to the first. What the second did before it died
 * (a console session, a mount) stays good on the first.
 */
class TwoControlPlanesTest {

    private static final Duration START = Duration.ofMinutes(3);
    /** The node heartbeats every 10 s. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    private static final String ACCOUNT = "123456789012";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/app";
    private static final String SESSION = "arn:aws:sts::" + ACCOUNT + ":assumed-role/app/i-0twocontrolplanes";
    private static final AwsBasicCredentials CALLER = AwsBasicCredentials.create("AKIATWOCONTROLPLANES",
            "two-control-planes-secret-key");
    private static final Pattern SECOND_API_LINE = Pattern.compile(
            "regatta: api (http://127\\.0\\.0\\.1:\\d+) admin-token (rgt_[A-Za-z0-9_-]{20,}) control-plane 2 "
                    + "pid (\\d+)");
    private static final Pattern FILE_SYSTEM_LINE = Pattern.compile(
            "regatta: file system (fs-[0-9a-f]{17}) \\(demo\\) exported as /fs-demo and /\\1");
    private static final Pattern SIGN_IN_LINE = Pattern.compile(
            "regatta: console sign-in (\\S+) / (\\S+) \\(kept in \\S+\\)");

    @TempDir
    Path dir;

    @Test
    void theSecondControlPlaneSharesEverythingAndItsDeathLeavesTheFirstServing() throws Exception {
        try (StubSts sts = StubSts.start().answer(CALLER.accessKeyId(), Optional.empty(), SESSION, ACCOUNT);
             RegattaUp up = RegattaUp.start(dir.resolve("up.log"), sts.allowedByTheControlPlane(),
                     "--data-dir", dir.resolve("data").toString(), "--control-planes", "2", "--s3-port", "0",
                     "--api-port", "0", "--nfs-port", "0", "--tls-port", "0", "--metrics-port", "0",
                     "--quiet-period", "1s")) {
            up.awaitLine("regatta: ready", START);
            Matcher firstLine = up.seenLine(RegattaUp.API_LINE);
            Matcher secondLine = up.seenLine(SECOND_API_LINE);
            Api first = new Api(URI.create(firstLine.group(1)), firstLine.group(2));
            Api second = new Api(URI.create(secondLine.group(1)), secondLine.group(2));
            assertThat(second.base()).isNotEqualTo(first.base());
            String fsId = up.seenLine(FILE_SYSTEM_LINE).group(1);

            // The node registered and heartbeats through the first; the second sees it alike.
            JsonNode node = onlyNode(first);
            assertThat(node.path("live").asBoolean()).isTrue();
            assertThat(onlyNode(second).path("id").asText()).isEqualTo(node.path("id").asText());
            assertThat(second.get("/api/v1/service").body().path("serverId").asText())
                    .isEqualTo(first.get("/api/v1/service").body().path("serverId").asText());

            // A console session signed in on the second is honoured by the first.
            Matcher signIn = up.seenLine(SIGN_IN_LINE);
            Browser browser = new Browser();
            HttpResponse<String> signedIn = browser.post(second.base(), "/api/v1/session",
                    "{\"username\":\"" + signIn.group(1) + "\",\"password\":\"" + signIn.group(2) + "\"}");
            assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
            assertThat(browser.get(first.base(), "/api/v1/file-systems").statusCode()).isEqualTo(200);

            // A mount authenticated through the second; its proof replayed to the first is refused.
            assertThat(first.post("/api/v1/file-systems/" + fsId + "/grants",
                    Map.of("principal", ROLE, "access", "READ_WRITE")).status()).isEqualTo(201);
            String serverId = first.get("/api/v1/service").body().path("serverId").asText();
            Map<String, Object> proof = StsProof.mountRequest(CALLER, sts.endpoint(), serverId, fsId, "READ_WRITE",
                    KeyMaterial.generate());
            Api.Answer mounted = second.postAnonymous("/api/v1/mounts", proof);
            assertThat(mounted.status()).as("%s", mounted.body()).isEqualTo(201);
            Api.Answer replayed = first.postAnonymous("/api/v1/mounts", proof);
            assertThat(replayed.status()).as("%s", replayed.body()).isEqualTo(400);
            assertThat(replayed.body().path("detail").asText()).contains("already used");

            // SIGKILL the second.
            ProcessHandle secondProcess = ProcessHandle.of(Long.parseLong(secondLine.group(3))).orElseThrow();
            Instant killedAt = Instant.now();
            secondProcess.destroyForcibly();
            secondProcess.onExit().get(30, TimeUnit.SECONDS);

            // The first goes on: status, the session the second made, a new mount, the node's heartbeats.
            assertThat(first.get("/api/v1/file-systems/" + fsId + "/status").status()).isEqualTo(200);
            assertThat(browser.get(first.base(), "/api/v1/file-systems").statusCode())
                    .as("the session outlives the instance that made it").isEqualTo(200);
            Api.Answer again = first.postAnonymous("/api/v1/mounts", StsProof.mountRequest(CALLER, sts.endpoint(),
                    serverId, fsId, "READ_WRITE", KeyMaterial.generate()));
            assertThat(again.status()).as("%s", again.body()).isEqualTo(201);
            assertThat(first.get("/api/v1/file-systems/" + fsId + "/mounts").body()).hasSize(2);
            long deadline = System.nanoTime() + HEARTBEAT.toNanos();
            while (!Instant.parse(onlyNode(first).path("lastHeartbeatAt").asText()).isAfter(killedAt)) {
                assertThat(System.nanoTime()).as("a heartbeat after the kill; log:\n%s", up.logTail())
                        .isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(onlyNode(first).path("live").asBoolean()).isTrue();
        }
    }

    private static JsonNode onlyNode(Api api) throws Exception {
        JsonNode nodes = api.get("/api/v1/nodes").body();
        assertThat(nodes).hasSize(1);
        return nodes.get(0);
    }

    /** A browser's cookie jar over whichever control plane it calls, as behind a load balancer. */
    private static final class Browser {

        private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> get(URI base, String path) throws Exception {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(URI base, String path, String json) throws Exception {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
