package dev.regatta.mount.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.regatta.mount.Json;
import dev.regatta.mount.controlplane.MountApiClient;
import dev.regatta.mount.controlplane.MountRequest;
import dev.regatta.mount.options.MountAccess;
import dev.regatta.mount.testing.ProofCheck;
import dev.regatta.pki.KeyMaterial;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof as it reaches a control plane (a WireMock stand-in), checked the way STS checks it: the signature
 * recomputed from what was signed, with the caller's secret.
 */
class StsProofSignerTest {

    private static final URI STS = URI.create("https://sts.eu-west-1.amazonaws.com/");
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final Clock ONE_SECOND = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);

    private WireMockServer controlPlane;

    @BeforeEach
    void setUp() {
        controlPlane = new WireMockServer(options().dynamicPort());
        controlPlane.start();
        controlPlane.stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"detail\":\"recorded\"}")));
    }

    @AfterEach
    void tearDown() {
        controlPlane.stop();
    }

    @Test
    void signsHostDateServerFileSystemAndNonceAndTheSignatureHoldsOnArrival() throws Exception {
        StsProof proof = new StsProofSigner(ONE_SECOND).sign(AwsBasicCredentials.create("AKIDEXAMPLE", SECRET), STS,
                "eu-west-1", "rg-0123456789abcdef", "fs-0123456789abcdef0");

        JsonNode arrived = send(proof);

        assertThat(arrived.path("method").asText()).isEqualTo("POST");
        assertThat(arrived.path("url").asText()).isEqualTo("https://sts.eu-west-1.amazonaws.com/");
        assertThat(arrived.path("body").asText()).isEqualTo("Action=GetCallerIdentity&Version=2011-06-15");
        assertThat(ProofCheck.signedHeaders(arrived)).contains("host", "x-amz-date", "x-regatta-server-id",
                "x-regatta-fs-id", "x-regatta-nonce", "content-type");
        assertThat(ProofCheck.signedHeaders(arrived)).doesNotContain("content-length", "connection", "expect",
                "transfer-encoding", "upgrade");
        var headers = ProofCheck.headers(arrived);
        assertThat(headers).containsEntry("Host", "sts.eu-west-1.amazonaws.com")
                .containsEntry("X-Amz-Date", "20260501T120000Z")
                .containsEntry("x-regatta-server-id", "rg-0123456789abcdef")
                .containsEntry("x-regatta-fs-id", "fs-0123456789abcdef0")
                .containsEntry("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .doesNotContainKey("X-Amz-Security-Token");
        assertThat(headers.get("x-regatta-nonce")).matches("[0-9a-f]{32}");
        assertThat(headers.get("Authorization"))
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260501/eu-west-1/sts/aws4_request, ");
        assertThat(ProofCheck.signatureMatches(arrived, SECRET)).isTrue();
        assertThat(ProofCheck.signatureMatches(arrived, "another secret")).isFalse();
    }

    @Test
    void aChangedSignedHeaderBreaksTheSignature() throws Exception {
        StsProof proof = new StsProofSigner(ONE_SECOND).sign(AwsBasicCredentials.create("AKIDEXAMPLE", SECRET), STS,
                "eu-west-1", "rg-0123456789abcdef", "fs-0123456789abcdef0");
        var headers = new java.util.HashMap<>(proof.headers());
        headers.put("x-regatta-fs-id", "fs-ffffffffffffffff0");

        JsonNode arrived = send(new StsProof(proof.method(), proof.url(), headers, proof.body()));

        assertThat(ProofCheck.signatureMatches(arrived, SECRET)).isFalse();
    }

    @Test
    void twoProofsInTheSameSecondDiffer() throws Exception {
        StsProofSigner signer = new StsProofSigner(ONE_SECOND);
        var credentials = AwsBasicCredentials.create("AKIDEXAMPLE", SECRET);

        JsonNode first = send(signer.sign(credentials, STS, "eu-west-1", "rg-0123456789abcdef",
                "fs-0123456789abcdef0"));
        JsonNode second = send(signer.sign(credentials, STS, "eu-west-1", "rg-0123456789abcdef",
                "fs-0123456789abcdef0"));

        assertThat(ProofCheck.headers(first).get("X-Amz-Date")).isEqualTo(ProofCheck.headers(second).get("X-Amz-Date"));
        assertThat(ProofCheck.headers(first).get("x-regatta-nonce"))
                .isNotEqualTo(ProofCheck.headers(second).get("x-regatta-nonce"));
        assertThat(ProofCheck.headers(first).get("Authorization"))
                .isNotEqualTo(ProofCheck.headers(second).get("Authorization"));
        assertThat(ProofCheck.signatureMatches(first, SECRET)).isTrue();
        assertThat(ProofCheck.signatureMatches(second, SECRET)).isTrue();
    }

    @Test
    void sessionCredentialsSendAndSignTheirToken() throws Exception {
        StsProof proof = new StsProofSigner(ONE_SECOND).sign(AwsSessionCredentials.create("ASIAEXAMPLE", SECRET,
                "session-token-value"), STS, "eu-west-1", "rg-0123456789abcdef", "fs-0123456789abcdef0");

        JsonNode arrived = send(proof);

        assertThat(ProofCheck.headers(arrived)).containsEntry("X-Amz-Security-Token", "session-token-value");
        assertThat(ProofCheck.signedHeaders(arrived)).contains("x-amz-security-token");
        assertThat(ProofCheck.signatureMatches(arrived, SECRET)).isTrue();
    }

    @Test
    void itsTextNamesHeadersButNeverTheirValues() {
        StsProof proof = new StsProofSigner(ONE_SECOND).sign(AwsSessionCredentials.create("ASIAEXAMPLE", SECRET,
                "session-token-value"), STS, "eu-west-1", "rg-0123456789abcdef", "fs-0123456789abcdef0");

        assertThat(proof.toString()).contains("Authorization", "X-Amz-Security-Token")
                .doesNotContain("session-token-value", "Signature=");
        assertThat(new MountRequest("fs-0123456789abcdef0", MountAccess.READ_WRITE, proof, "csr").toString())
                .doesNotContain("session-token-value", "Signature=", "csr]");
    }

    /** Through the helper's own client, as the mount request's {@code stsRequest}; returns it as it arrived. */
    private JsonNode send(StsProof proof) throws Exception {
        controlPlane.resetRequests();
        String csr = KeyMaterial.certificateRequest(KeyMaterial.generate(), "fs-0123456789abcdef0");
        try {
            new MountApiClient(URI.create(controlPlane.baseUrl())).requestMount(new MountRequest(
                    "fs-0123456789abcdef0", MountAccess.READ_WRITE, proof, csr));
        } catch (dev.regatta.mount.controlplane.ControlPlaneRefusal expected) {
            // the stand-in only records
        }
        controlPlane.verify(1, postRequestedFor(urlPathEqualTo("/api/v1/mounts")));
        return Json.MAPPER.readTree(controlPlane.getAllServeEvents().get(0).getRequest().getBodyAsString())
                .path("stsRequest");
    }
}
