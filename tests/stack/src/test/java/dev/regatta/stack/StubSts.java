package dev.regatta.stack;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * STS for the stack tests, played by WireMock at the HTTP boundary (the only stand-in they use): it answers the
 * GetCallerIdentity of a mount's proof ({@link StsProof}) signed with one access key as one assumed-role session,
 * and nothing else, so a proof signed by anyone else is refused the way STS refuses it. One server per test class;
 * {@link #server()} lets a test play more of AWS on it (MountHelperTest's IMDSv2).
 */
final class StubSts implements AutoCloseable {

    private final WireMockServer server;

    private StubSts(WireMockServer server) {
        this.server = server;
    }

    /** A server on a free loopback port that answers nothing yet. */
    static StubSts start() {
        WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        return new StubSts(server);
    }

    /**
     * Answers proofs signed with {@code accessKeyId} (and carrying {@code sessionToken}, when there is one) as
     * {@code session}, an assumed-role ARN ({@code arn:aws:sts::<account>:assumed-role/<role>/<session name>}).
     */
    StubSts answer(String accessKeyId, Optional<String> sessionToken, String session, String account) {
        String sessionName = session.substring(session.lastIndexOf('/') + 1);
        MappingBuilder proof = post(urlEqualTo("/"))
                .withRequestBody(equalTo(StsProof.BODY))
                .withHeader("Authorization", containing("Credential=" + accessKeyId + "/"));
        sessionToken.ifPresent(token -> proof.withHeader("X-Amz-Security-Token", equalTo(token)));
        server.stubFor(proof.willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml")
                .withBody("""
                        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                          <GetCallerIdentityResult>
                            <Arn>%s</Arn><UserId>AROAEXAMPLE:%s</UserId><Account>%s</Account>
                          </GetCallerIdentityResult>
                          <ResponseMetadata><RequestId>0-%s</RequestId></ResponseMetadata>
                        </GetCallerIdentityResponse>""".formatted(session, sessionName, account, sessionName))));
        return this;
    }

    /** {@code http://127.0.0.1:<port>}, what the control plane must allow as an STS endpoint. */
    String baseUrl() {
        return server.baseUrl();
    }

    /** The URL a proof is signed for. */
    URI endpoint() {
        return URI.create(server.baseUrl() + "/");
    }

    /** The environment that makes {@code regatta up}'s control plane accept proofs for this endpoint. */
    Map<String, String> allowedByTheControlPlane() {
        return Map.of("REGATTA_STS_ALLOWEDENDPOINTS", server.baseUrl());
    }

    WireMockServer server() {
        return server;
    }

    @Override
    public void close() {
        server.stop();
    }
}
