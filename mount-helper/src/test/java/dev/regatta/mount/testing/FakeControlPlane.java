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

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * The control plane's mount endpoints in WireMock, checking a mount request the way docs/control-plane-protocols.md
 * says the real one does (the proof's shape, its signed headers, its server and file system IDs, its signature as
 * STS would recompute it, one mount per proof), and answering with a certificate its {@link TestCa} signed for the
 * request's key.
 */
public final class FakeControlPlane implements ResponseDefinitionTransformerV2, AutoCloseable {

    public static final String SERVER_ID = "rg-0123456789abcdef";
    public static final String ACCESS_KEY_ID = "AKIDREGATTATEST";
    public static final String SECRET_ACCESS_KEY = "regatta-test-secret-do-not-print";
    public static final String ARN = "arn:aws:sts::123456789012:assumed-role/app/i-0abc";
    private static final List<String> REQUIRED_SIGNED = List.of("host", "x-amz-date", "x-regatta-server-id",
            "x-regatta-fs-id", "x-regatta-nonce");

    private final WireMockServer server;
    private final TestCa ca = new TestCa();
    private final List<JsonNode> mountRequests = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> usedProofs = new ConcurrentHashMap<>();
    private volatile URI stsEndpoint = URI.create("https://sts.us-east-1.amazonaws.com/");
    private volatile String nodeAddress = "10.0.0.5:20490";
    private volatile Duration lifetime = Duration.ofHours(1);
    private int mounts;

    public FakeControlPlane() {
        server = new WireMockServer(options().dynamicPort().extensions(this));
        server.start();
        server.stubFor(get(urlPathEqualTo("/api/v1/service")).willReturn(okJson("{\"serverId\":\"" + SERVER_ID
                + "\"}")));
        server.stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(aResponse().withTransformers(getName())));
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

    public void certificateLifetime(Duration lifetime) {
        this.lifetime = lifetime;
    }

    /** From now on, mount requests get this problem+json refusal. */
    public void refuse(int status, String detail) {
        server.stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(problem(status, detail)));
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
        mountRequests.add(request);
        String refusal = refusal(request);
        if (refusal != null) {
            return problem(400, refusal).build();
        }
        // Certificates count whole seconds; expiresAt is the certificate's notAfter.
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String mountId = String.format("mount-%017x", nextMount());
        ObjectNode answer = Json.MAPPER.createObjectNode()
                .put("mountId", mountId)
                .put("fileSystemId", request.path("fileSystemId").asText())
                .put("nodeAddress", nodeAddress)
                .put("access", request.path("access").asText())
                .put("principal", ARN)
                .put("certificate", ca.sign(request.path("csr").asText(), mountId, now.minusSeconds(60),
                        now.plus(lifetime)))
                .put("expiresAt", now.plus(lifetime).toString());
        answer.putArray("caCertificates").add(ca.certificatePem());
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
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
            return "this STS request was already used for a mount";
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
