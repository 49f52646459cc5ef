package dev.regatta.mount.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.regatta.mount.Json;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * The control plane's mount endpoints in WireMock, checking a mount request or an unmount report the way
 * docs/control-plane-protocols.md says the real one does (the proof's shape, its signed headers, its server and file
 * system IDs, its signature as STS would recompute it, one use per proof), and answering a mount with a certificate
 * its {@link TestCa} signed for the request's key. Like the real one it keeps sessions: a renewal ({@code renews})
 * of a session it issued and that has not ended keeps the mount ID, any other renewal is a 409; an unmount report
 * ends the session.
 */
public final class FakeControlPlane implements ResponseDefinitionTransformerV2, AutoCloseable {

    public static final String SERVER_ID = "rg-0123456789abcdef";
    public static final String ACCESS_KEY_ID = "AKIDREGATTATEST";
    public static final String SECRET_ACCESS_KEY = "regatta-test-secret-do-not-print";
    public static final String ARN = "arn:aws:sts::123456789012:assumed-role/app/i-0abc";
    private static final Pattern UNMOUNT_PATH = Pattern.compile("/api/v1/mounts/([^/?]+)/unmount");
    private static final List<String> REQUIRED_SIGNED = List.of("host", "x-amz-date", "x-regatta-server-id",
            "x-regatta-fs-id", "x-regatta-nonce");

    private final WireMockServer server;
    private final TestCa ca = new TestCa();
    private final List<JsonNode> mountRequests = new CopyOnWriteArrayList<>();
    private final List<UnmountCall> unmountReports = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> usedProofs = new ConcurrentHashMap<>();
    /** Mount ID to whether its session ended. */
    private final Map<String, Boolean> sessions = new ConcurrentHashMap<>();
    private volatile boolean ignoreRenews;
    private volatile ResponseDefinition unmountRefusal;
    private volatile ResponseDefinition newMountRefusal;
    private volatile URI stsEndpoint = URI.create("https://sts.us-east-1.amazonaws.com/");
    private volatile String nodeAddress = "10.0.0.5:20490";
    /** Not answered, as by a control plane from before replication groups, until set. */
    private volatile List<String> memberAddresses;
    private volatile Duration lifetime = Duration.ofHours(1);
    private int mounts;

    public FakeControlPlane() {
        server = new WireMockServer(options().dynamicPort().extensions(this));
        server.start();
        server.stubFor(get(urlPathEqualTo("/api/v1/service")).willReturn(okJson("{\"serverId\":\"" + SERVER_ID
                + "\"}")));
        server.stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(aResponse().withTransformers(getName())));
        server.stubFor(post(urlPathMatching("/api/v1/mounts/[^/]+/unmount"))
                .willReturn(aResponse().withTransformers(getName())));
    }

    /** An unmount report as it reached the control plane: the mount ID of its path and its body. */
    public record UnmountCall(String mountId, JsonNode body) {
    }

    public URI url() {
        return URI.create(server.baseUrl());
    }

    public WireMockServer server() {
        return server;
    }

    public TestCa ca() {
        return ca;
    }

    public void expectStsEndpoint(URI endpoint) {
        this.stsEndpoint = endpoint;
    }

    public void nodeAddress(String address) {
        this.nodeAddress = address;
    }

    /** From now on, answers list these members of the file system's group ({@code memberAddresses}). */
    public void memberAddresses(String... addresses) {
        this.memberAddresses = List.of(addresses);
    }

    public void certificateLifetime(Duration lifetime) {
        this.lifetime = lifetime;
    }

    /** From now on, mount requests get this problem+json refusal. */
    public void refuse(int status, String detail) {
        server.stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(problem(status, detail)));
    }

    /** From now on, unmount reports get this problem+json refusal (they are still recorded). */
    public void refuseUnmounts(int status, String detail) {
        this.unmountRefusal = problem(status, detail).build();
    }

    /** Ends a session as an unmount report would (or an admin), so that renewing it gets a 409. */
    public void endSession(String mountId) {
        sessions.replace(mountId, true);
    }

    /** From now on, mount requests without {@code renews} get this refusal (they are still recorded). */
    public void refuseNewMounts(int status, String detail) {
        this.newMountRefusal = problem(status, detail).build();
    }

    /** Answers renewals with a new session, as a control plane from before renewals kept sessions did. */
    public void ignoreRenews() {
        this.ignoreRenews = true;
    }

    public static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder problem(int status, String detail) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/problem+json")
                .withBody("{\"type\":\"about:blank\",\"title\":\"Mount refused\",\"status\":" + status
                        + ",\"detail\":" + quote(detail) + "}");
    }

    /** The mount requests that reached the endpoint, as sent. */
    public List<JsonNode> mountRequests() {
        return mountRequests;
    }

    /** The unmount reports that reached the endpoint, as sent (refused ones too). */
    public List<UnmountCall> unmountReports() {
        return unmountReports;
    }

    @Override
    public String getName() {
        return "fake-control-plane";
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(event.getRequest().getBodyAsString());
        } catch (Exception e) {
            return problem(400, "the body is not JSON").build();
        }
        Matcher unmount = UNMOUNT_PATH.matcher(event.getRequest().getUrl());
        return unmount.matches() ? unmount(unmount.group(1), request) : mount(request);
    }

    private ResponseDefinition mount(JsonNode request) {
        mountRequests.add(request);
        String refusal = refusal(request);
        if (refusal != null) {
            return problem(400, refusal).build();
        }
        String fileSystemId = request.path("fileSystemId").asText();
        String mountId;
        String renews = request.path("renews").asText(null);
        if (renews != null && !ignoreRenews) {
            Boolean ended = sessions.get(renews);
            if (ended == null) {
                return problem(409, "there is no mount " + renews + " of " + fileSystemId + " to renew: mount anew, "
                        + "without renews").build();
            }
            if (ended) {
                return problem(409, "mount " + renews + " ended and cannot be renewed: mount anew, without renews")
                        .build();
            }
            mountId = renews;
        } else {
            if (newMountRefusal != null && renews == null) {
                return newMountRefusal;
            }
            mountId = String.format("mount-%017x", nextMount());
            sessions.put(mountId, false);
        }
        // Certificates count whole seconds; expiresAt is the certificate's notAfter.
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ObjectNode answer = Json.MAPPER.createObjectNode()
                .put("mountId", mountId)
                .put("fileSystemId", fileSystemId)
                .put("nodeAddress", nodeAddress)
                .put("access", request.path("access").asText())
                .put("principal", ARN)
                .put("certificate", ca.sign(request.path("csr").asText(), mountId, now.minusSeconds(60),
                        now.plus(lifetime)))
                .put("expiresAt", now.plus(lifetime).toString());
        answer.putArray("caCertificates").add(ca.certificatePem());
        if (memberAddresses != null) {
            memberAddresses.forEach(answer.putArray("memberAddresses")::add);
        }
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody(answer.toString()).build();
    }

    private ResponseDefinition unmount(String mountId, JsonNode request) {
        unmountReports.add(new UnmountCall(mountId, request));
        if (unmountRefusal != null) {
            return unmountRefusal;
        }
        String refusal = refusal(request);
        if (refusal != null) {
            return problem(400, refusal).build();
        }
        if (!sessions.containsKey(mountId)) {
            return problem(404, "there is no mount " + mountId + " of " + request.path("fileSystemId").asText())
                    .build();
        }
        sessions.put(mountId, true);
        ObjectNode answer = Json.MAPPER.createObjectNode()
                .put("mountId", mountId)
                .put("fileSystemId", request.path("fileSystemId").asText())
                .put("principal", ARN)
                .put("endedAt", Instant.now().toString())
                .put("endReason", "unmount reported by the client from 127.0.0.1");
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(answer.toString()).build();
    }

    /** What the real control plane would refuse with 400 or 403, or null. */
    private String refusal(JsonNode request) {
        JsonNode proof = request.path("stsRequest");
        Map<String, String> headers = ProofCheck.headers(proof);
        if (!proof.path("method").asText().equals("POST")
                || !proof.path("body").asText().equals("Action=GetCallerIdentity&Version=2011-06-15")) {
            return "not a POST of GetCallerIdentity";
        }
        if (!proof.path("url").asText().equals(stsEndpoint.toString())) {
            return "stsRequest.url " + proof.path("url").asText() + " is not " + stsEndpoint;
        }
        List<String> signed = ProofCheck.signedHeaders(proof);
        if (!signed.containsAll(REQUIRED_SIGNED)) {
            return "SignedHeaders " + signed + " lack one of " + REQUIRED_SIGNED;
        }
        if (!signed.stream().allMatch(headers::containsKey)) {
            return "a signed header is not among the headers";
        }
        if (!SERVER_ID.equals(headers.get("x-regatta-server-id"))
                || !request.path("fileSystemId").asText().equals(headers.get("x-regatta-fs-id"))) {
            return "signed server or file system ID is wrong";
        }
        if (!ProofCheck.accessKeyId(proof).equals(ACCESS_KEY_ID)
                || !ProofCheck.signatureMatches(proof, SECRET_ACCESS_KEY)) {
            return "STS: SignatureDoesNotMatch";
        }
        if (usedProofs.putIfAbsent(headers.get("Authorization"), true) != null) {
            return "this STS request was already used: each mount, renewal and unmount report needs a newly signed one";
        }
        return null;
    }

    private synchronized int nextMount() {
        return ++mounts;
    }

    private static String quote(String text) {
        try {
            return Json.MAPPER.writeValueAsString(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
