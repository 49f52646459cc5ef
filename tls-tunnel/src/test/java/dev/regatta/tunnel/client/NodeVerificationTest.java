package dev.regatta.tunnel.client;

import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import dev.regatta.tunnel.tls.NodeVerification;
import dev.regatta.tunnel.tls.TlsCredentials;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client end reaches only the node it was told to, with a certificate from its CA. */
class NodeVerificationTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TestCa OTHER_CA = TestCa.create("Some other CA");

    private final RecordingListener listener = new RecordingListener();
    private TestBackend backend;
    private TunnelServer server;

    private void startServer(TestCa.Issued nodeCertificate) throws Exception {
        backend = new TestBackend(TestBackend.ECHO);
        // The server trusts the client either way: only the client's verdict is under test.
        server = Tunnels.server(backend, nodeCertificate.trusting(CA), listener, Admission.admitAll());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        backend.close();
    }

    @Test
    void refusesANodeCertificateForAnotherNode() throws Exception {
        startServer(CA.node("node-elsewhere").issue());
        assertClientRefuses(NodeVerification.nodeId(Tunnels.NODE_ID),
                "is for regatta:node:node-elsewhere, not the expected regatta:node:" + Tunnels.NODE_ID);
    }

    @Test
    void refusesANodeCertificateFromAnotherCa() throws Exception {
        startServer(OTHER_CA.node(Tunnels.NODE_ID).issue());
        assertClientRefuses(NodeVerification.nodeId(Tunnels.NODE_ID), "is not trusted");
    }

    @Test
    void refusesACertificateNotMadeForServers() throws Exception {
        startServer(CA.node(Tunnels.NODE_ID).purpose(KeyPurposeId.id_kp_clientAuth).issue());
        assertClientRefuses(NodeVerification.nodeId(Tunnels.NODE_ID), "is not for serverAuth");
    }

    @Test
    void hostnameVerificationRefusesACertificateForAnotherAddress() throws Exception {
        startServer(CA.node(Tunnels.NODE_ID).withoutAlternativeNames().uri("regatta:node:" + Tunnels.NODE_ID)
                .ipAddress("10.1.2.3").issue());
        assertClientRefuses(NodeVerification.hostname(), "127.0.0.1");
    }

    @Test
    void hostnameVerificationAcceptsTheNodesAddressWhateverItsId() throws Exception {
        startServer(CA.node("node-elsewhere").issue());
        try (TunnelClient client = client(NodeVerification.hostname())) {
            client.checkHealth().get(20, TimeUnit.SECONDS);
            assertEchoes(client);
        }
    }

    @Test
    void nodeIdVerificationAcceptsTheNodeWhateverItsAddress() throws Exception {
        startServer(CA.node(Tunnels.NODE_ID).withoutAlternativeNames().uri("regatta:node:" + Tunnels.NODE_ID)
                .dnsName("node.example.internal").issue());
        try (TunnelClient client = client(NodeVerification.nodeId(Tunnels.NODE_ID))) {
            client.checkHealth().get(20, TimeUnit.SECONDS);
            assertEchoes(client);
        }
    }

    private void assertClientRefuses(NodeVerification verification, String expectedReason) throws Exception {
        try (TunnelClient client = client(verification)) {
            assertThatThrownBy(() -> client.checkHealth().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().hasMessageContaining(expectedReason);
            try (Socket local = Tunnels.connect(client)) {
                local.getOutputStream().write(1);
                assertThat(local.getInputStream().read()).as("the local connection is closed").isEqualTo(-1);
            }
            Await.until("the client end dropped the connection", () -> client.openConnections() == 0);
        }
        assertThat(listener.opened).isEmpty();
        assertThat(backend.acceptedFrom()).isEmpty();
    }

    private TunnelClient client(NodeVerification verification) throws Exception {
        TlsCredentials credentials = CA.client("mount-1").issue().trusting(CA);
        return TunnelClient.builder().node("127.0.0.1", server.port()).credentials(() -> credentials)
                .nodeVerification(verification).listenPort(0).connectAttempts(2)
                .retryBackoff(Duration.ofMillis(20)).start();
    }

    private static void assertEchoes(TunnelClient client) throws IOException {
        try (Socket local = Tunnels.connect(client)) {
            local.getOutputStream().write(42);
            assertThat(local.getInputStream().read()).isEqualTo(42);
        }
    }
}
