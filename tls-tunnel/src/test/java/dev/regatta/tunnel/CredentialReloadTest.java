package dev.regatta.tunnel;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import dev.regatta.tunnel.tls.CredentialSource;
import dev.regatta.tunnel.tls.TlsCredentials;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Renewed certificates apply to new connections while open ones carry on. */
class CredentialReloadTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");

    @Test
    void theClientPresentsItsRenewedCertificateOnNewConnections() throws Exception {
        AtomicReference<TlsCredentials> clientCredentials =
                new AtomicReference<>(CA.client("mount-1").issue().trusting(CA));
        RecordingListener listener = new RecordingListener();
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelServer server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                     Admission.admitAll());
             TunnelClient client = clientOf(server.port(), clientCredentials::get);
             Socket before = Tunnels.connect(client)) {
            assertEchoes(before, 1);
            assertThat(listener.opened).singleElement()
                    .satisfies(event -> assertThat(event.identity().mountId()).isEqualTo("mount-1"));

            clientCredentials.set(CA.client("mount-1-renewed").issue().trusting(CA));
            client.reloadCredentials();

            try (Socket after = Tunnels.connect(client)) {
                assertEchoes(after, 2);
                assertThat(listener.opened).hasSize(2);
                assertThat(listener.opened.get(1).identity().mountId()).isEqualTo("mount-1-renewed");
            }
            assertEchoes(before, 3);
        }
    }

    @Test
    void aFailedReloadKeepsThePreviousCredentials() throws Exception {
        AtomicReference<CredentialSource> source =
                new AtomicReference<>(() -> CA.client("mount-1").issue().trusting(CA));
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelServer server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA),
                     new RecordingListener(), Admission.admitAll());
             TunnelClient client = clientOf(server.port(), () -> source.get().load())) {
            source.set(() -> {
                throw new IOException("the key file is half written");
            });
            assertThatThrownBy(client::reloadCredentials).hasMessageContaining("half written");
            try (Socket socket = Tunnels.connect(client)) {
                assertEchoes(socket, 4);
            }
        }
    }

    @Test
    void theServerPresentsItsRenewedCertificateOnNewConnections() throws Exception {
        // The renewal names another node, so that which certificate a connection got is observable.
        AtomicReference<TlsCredentials> serverCredentials =
                new AtomicReference<>(CA.node(Tunnels.NODE_ID).issue().trusting(CA));
        TlsCredentials mount = CA.client("mount-1").issue().trusting(CA);
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelServer server = TunnelServer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0))
                     .backend(backend.address()).credentials(serverCredentials::get).start();
             TunnelClient forOldNode = Tunnels.client(server.port(), mount, Tunnels.NODE_ID);
             TunnelClient forNewNode = Tunnels.client(server.port(), mount, "node-renewed");
             Socket before = Tunnels.connect(forOldNode)) {
            assertEchoes(before, 1);
            forOldNode.checkHealth().get(20, TimeUnit.SECONDS);
            assertThatThrownBy(() -> forNewNode.checkHealth().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);

            serverCredentials.set(CA.node("node-renewed").issue().trusting(CA));
            server.reloadCredentials();

            forNewNode.checkHealth().get(20, TimeUnit.SECONDS);
            assertThatThrownBy(() -> forOldNode.checkHealth().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .hasMessageContaining("regatta:node:node-renewed");
            try (Socket after = Tunnels.connect(forNewNode)) {
                assertEchoes(after, 2);
            }
            assertEchoes(before, 3);
        }
    }

    private static TunnelClient clientOf(int port, CredentialSource credentials) throws Exception {
        return TunnelClient.builder().node("127.0.0.1", port).credentials(credentials)
                .nodeVerification(dev.regatta.tunnel.tls.NodeVerification.nodeId(Tunnels.NODE_ID)).listenPort(0)
                .start();
    }

    private static void assertEchoes(Socket socket, int value) throws IOException {
        socket.getOutputStream().write(value);
        assertThat(socket.getInputStream().read()).isEqualTo(value);
    }
}
