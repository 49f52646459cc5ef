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
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** While the node is down, local connections fail cleanly; once it is up, new ones work, with the same listener. */
class ReconnectTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");

    @Test
    void aLocalConnectionFailsCleanlyWhileTheNodeIsDownAndTheNextOneWorksOnceItIsUp() throws Exception {
        int nodePort = freePort();
        TlsCredentials clientCredentials = CA.client("mount-1").issue().trusting(CA);
        RecordingListener listener = new RecordingListener();
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelClient client = TunnelClient.builder().node("127.0.0.1", nodePort)
                     .credentials(() -> clientCredentials)
                     .nodeVerification(NodeVerification.nodeId(Tunnels.NODE_ID)).listenPort(0)
                     .connectAttempts(3).retryBackoff(Duration.ofMillis(20)).start()) {
            try (Socket local = Tunnels.connect(client)) {
                local.getOutputStream().write(1);
                assertThat(local.getInputStream().read()).as("closed after the attempts").isEqualTo(-1);
            }
            Await.until("the client end dropped the connection", () -> client.openConnections() == 0);
            assertThatThrownBy(() -> client.checkHealth().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().hasMessageContaining("127.0.0.1:" + nodePort);

            try (TunnelServer server = TunnelServer.builder()
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), nodePort))
                    .backend(backend.address())
                    .credentials(() -> CA.node(Tunnels.NODE_ID).issue().trusting(CA))
                    .admission(Admission.admitAll()).listener(listener).start()) {
                client.checkHealth().get(20, TimeUnit.SECONDS);
                try (Socket local = Tunnels.connect(client)) {
                    local.getOutputStream().write(7);
                    assertThat(local.getInputStream().read()).isEqualTo(7);
                }
                // The health check was a connection of its own.
                assertThat(listener.opened).hasSize(2);
                Await.until("the node has no connection left", () -> server.connections().isEmpty());
            }
        }
    }

    @Test
    void retriesUntilTheNodeComesUpWithinTheAttempts() throws Exception {
        int nodePort = freePort();
        TlsCredentials clientCredentials = CA.client("mount-1").issue().trusting(CA);
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelClient client = TunnelClient.builder().node("127.0.0.1", nodePort)
                     .credentials(() -> clientCredentials)
                     .nodeVerification(NodeVerification.nodeId(Tunnels.NODE_ID)).listenPort(0)
                     .connectAttempts(10).retryBackoff(Duration.ofMillis(100)).start();
             Socket local = Tunnels.connect(client)) {
            local.getOutputStream().write(9);
            // The local connection waits through the retries; the node starts meanwhile.
            try (TunnelServer server = TunnelServer.builder()
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), nodePort))
                    .backend(backend.address())
                    .credentials(() -> CA.node(Tunnels.NODE_ID).issue().trusting(CA)).start()) {
                assertThat(local.getInputStream().read()).isEqualTo(9);
                assertThat(server.connections()).singleElement()
                        .satisfies(connection -> assertThat(connection.identity().mountId()).isEqualTo("mount-1"));
            }
        }
    }

    /** A port nothing listens on (just released; nothing else on this machine is expected to take it). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
