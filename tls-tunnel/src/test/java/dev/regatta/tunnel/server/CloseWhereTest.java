package dev.regatta.tunnel.server;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import org.junit.jupiter.api.Test;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** Revoking a grant closes that grant's connections and leaves the others alone. */
class CloseWhereTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");

    @Test
    void closesTheMatchingConnectionsOnly() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (TestBackend backend = new TestBackend(TestBackend.ECHO);
             TunnelServer server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                     Admission.admitAll());
             TunnelClient revoked = Tunnels.client(server.port(), CA.client("mount-1").issue().trusting(CA),
                     Tunnels.NODE_ID);
             TunnelClient kept = Tunnels.client(server.port(), CA.client("mount-2").issue().trusting(CA),
                     Tunnels.NODE_ID);
             Socket revokedA = Tunnels.connect(revoked);
             Socket revokedB = Tunnels.connect(revoked);
             Socket keptSocket = Tunnels.connect(kept)) {
            for (Socket socket : new Socket[] {revokedA, revokedB, keptSocket}) {
                socket.getOutputStream().write(1);
                assertThat(socket.getInputStream().read()).isEqualTo(1);
            }
            assertThat(server.connections()).hasSize(3);

            int closed = server.closeWhere(identity -> identity.grantId().equals("grant-mount-1"), "grant revoked");

            assertThat(closed).isEqualTo(2);
            assertThat(revokedA.getInputStream().read()).isEqualTo(-1);
            assertThat(revokedB.getInputStream().read()).isEqualTo(-1);
            Await.until("both are reported closed", () -> listener.closed.size() == 2);
            assertThat(listener.closed).allMatch(event -> event.identity().mountId().equals("mount-1"));
            assertThat(server.connections()).singleElement()
                    .satisfies(connection -> assertThat(connection.identity().mountId()).isEqualTo("mount-2"));
            keptSocket.getOutputStream().write(2);
            assertThat(keptSocket.getInputStream().read()).isEqualTo(2);
        }
    }
}
