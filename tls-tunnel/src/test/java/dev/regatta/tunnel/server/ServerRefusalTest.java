package dev.regatta.tunnel.server;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.CapturedLogs;
import dev.regatta.tunnel.testing.RawTlsClient;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every connection the server must not admit: it is closed, {@code opened} is never called, the backend never sees
 * it, and the reason is logged exactly once.
 */
class ServerRefusalTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TestCa OTHER_CA = TestCa.create("Some other CA");

    private final RecordingListener listener = new RecordingListener();
    private TestBackend backend;
    private TunnelServer server;
    private CapturedLogs logs;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend(TestBackend.ECHO);
        logs = new CapturedLogs(Refusals.class);
        // Decides a moment later, as the data plane does when it first asks the control plane about a grant.
        server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                (identity, remote) -> CompletableFuture.supplyAsync(
                        () -> identity.grantId().equals("grant-revoked")
                                ? Optional.of("grant grant-revoked is no longer active") : Optional.<String>empty(),
                        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        backend.close();
        logs.close();
    }

    @Test
    void refusesACertificateFromAnotherCa() throws Exception {
        assertRefused(OTHER_CA.client("mount-1").issue(), "is not trusted");
    }

    @Test
    void refusesAnExpiredCertificate() throws Exception {
        Instant now = Instant.now();
        assertRefused(CA.client("mount-1").validity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)))
                .issue(), "expired at");
    }

    @Test
    void refusesASelfSignedForgeryWithTheSameSubjectAndNames() throws Exception {
        assertRefused(CA.client("mount-1").selfSigned().issue(), "is not trusted");
    }

    @Test
    void refusesACertificateWithoutTheRegattaUris() throws Exception {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().issue(), "has no file system");
    }

    @Test
    void refusesACertificateNotMadeForClientAuthentication() throws Exception {
        assertRefused(CA.client("mount-1").purpose(KeyPurposeId.id_kp_serverAuth).issue(), "is not for clientAuth");
    }

    @Test
    void refusesAClientWithoutACertificate() throws Exception {
        assertRefused(null, "client certificate");
    }

    @Test
    void aFloodOfRefusedHandshakesFromOneAddressIsCountedInFullButLoggedOnce() throws Exception {
        TestCa.Issued foreign = OTHER_CA.client("mount-1").issue();
        for (int i = 0; i < 20; i++) {
            assertThat(RawTlsClient.alertReceived(server.localAddress(), foreign.keys().getPrivate(),
                    foreign.certificate(), CA.certificate())).doesNotStartWith("no alert");
        }
        Await.until("every refusal is reported", () -> listener.refused.size() == 20);
        assertThat(server.refusals()).containsEntry(RefusalReason.UNKNOWN_ISSUER, 20L)
                .containsEntry(RefusalReason.NOT_ADMITTED, 0L);
        assertThat(logs.warnings("refused the connection from")).hasSize(1);
    }

    @Test
    void refusesAClientThatDoesNotSpeakTheTunnelProtocol() throws Exception {
        TestCa.Issued valid = CA.client("mount-1").issue();
        assertEnded(RawTlsClient.connect(server.localAddress(), valid.keys().getPrivate(), valid.certificate(),
                CA.certificate(), null), "speaks no tunnel protocol, not regatta-tunnel/1");
    }

    @Test
    void refusesAClientOfAnotherTunnelProtocolVersion() throws Exception {
        TestCa.Issued valid = CA.client("mount-1").issue();
        assertEnded(RawTlsClient.connect(server.localAddress(), valid.keys().getPrivate(), valid.certificate(),
                CA.certificate(), "regatta-tunnel/0"), "not regatta-tunnel/1");
    }

    @Test
    void refusesWhatTheAdmissionRefuses() throws Exception {
        TestCa.Issued revoked = CA.client("mount-1").withoutAlternativeNames().uri("regatta:fs:fs-1")
                .uri("regatta:access:read-only").uri("regatta:grant:grant-revoked")
                .uri("arn:aws:iam::123456789012:role/app").issue();
        String reason = assertRefused(revoked, "is not admitted: grant grant-revoked is no longer active");
        assertThat(reason).contains("mount-1", "fs-1", "arn:aws:iam::123456789012:role/app");
    }

    @Test
    void aConnectionAdmittedAfterAWaitCarriesWhatItSentMeanwhile() throws Exception {
        try (TunnelClient client = Tunnels.client(server.port(), CA.client("mount-1").issue().trusting(CA),
                Tunnels.NODE_ID);
             Socket local = Tunnels.connect(client)) {
            // Sent at once: it waits in the tunnel while the admission decides, and reaches the backend after.
            local.getOutputStream().write("early".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(local.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
                    .isEqualTo("early");
        }
        assertThat(listener.refused).isEmpty();
        assertThat(listener.opened).hasSize(1);
    }

    @Test
    void anAdmissionThatFailsRefusesTheConnection() throws Exception {
        TestCa.Issued valid = CA.client("mount-1").issue();
        try (TunnelServer failing = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                (identity, remote) -> CompletableFuture.failedFuture(new IllegalStateException("grants unknown")))) {
            assertEnded(RawTlsClient.connect(failing.localAddress(), valid.keys().getPrivate(), valid.certificate(),
                    CA.certificate()), "the admission check failed: java.lang.IllegalStateException: grants unknown");
        }
    }

    @Test
    void theTunnelClientsLocalConnectionIsClosedWhenTheServerRefusesIt() throws Exception {
        Instant now = Instant.now();
        TestCa.Issued expired = CA.client("mount-1")
                .validity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))).issue();
        try (TunnelClient client = Tunnels.client(server.port(), expired.trusting(CA), Tunnels.NODE_ID);
             Socket local = Tunnels.connect(client)) {
            local.getOutputStream().write(1);
            assertThat(local.getInputStream().read()).isEqualTo(-1);
            Await.until("the client end dropped the connection", () -> client.openConnections() == 0);
        }
        Await.until("the refusal is reported", () -> !listener.refused.isEmpty());
        assertThat(listener.refused.get(0).reason()).contains("expired at");
        assertThat(listener.opened).isEmpty();
        assertThat(backend.acceptedFrom()).isEmpty();
    }

    /** Connects with the given certificate (or none), expects the refusal, and returns its reason. */
    private String assertRefused(TestCa.Issued certificate, String expectedReason) throws Exception {
        InetSocketAddress localAddress;
        try (SSLSocket socket = certificate == null
                ? RawTlsClient.connect(server.localAddress(), null, null, CA.certificate())
                : RawTlsClient.connect(server.localAddress(), certificate.keys().getPrivate(),
                certificate.certificate(), CA.certificate())) {
            localAddress = (InetSocketAddress) socket.getLocalSocketAddress();
            assertThat(RawTlsClient.endedByServer(socket)).as("the server ended the connection").isTrue();
        } catch (javax.net.ssl.SSLException refusedDuringHandshake) {
            // Without a certificate the server refuses within the handshake; the port is then unknown.
            localAddress = null;
        }
        return assertRefusal(localAddress, expectedReason);
    }

    /** Expects the server to end an already connected socket, and returns the refusal's reason. */
    private String assertEnded(SSLSocket connected, String expectedReason) throws Exception {
        InetSocketAddress localAddress;
        try (SSLSocket socket = connected) {
            localAddress = (InetSocketAddress) socket.getLocalSocketAddress();
            assertThat(RawTlsClient.endedByServer(socket)).as("the server ended the connection").isTrue();
        }
        return assertRefusal(localAddress, expectedReason);
    }

    private String assertRefusal(InetSocketAddress localAddress, String expectedReason) {
        Await.until("the refusal is reported", () -> !listener.refused.isEmpty());
        RecordingListener.Refusal refusal = listener.refused.get(0);
        if (localAddress != null) {
            assertThat(refusal.remote()).isEqualTo(localAddress);
        }
        assertThat(refusal.reason()).contains(expectedReason);
        assertThat(listener.refused).hasSize(1);
        assertThat(listener.opened).isEmpty();
        assertThat(backend.acceptedFrom()).isEmpty();
        assertThat(logs.warnings(refusal.remote().toString())).as("warnings about " + refusal.remote())
                .hasSize(1).allMatch(message -> message.contains(expectedReason));
        return refusal.reason();
    }
}
