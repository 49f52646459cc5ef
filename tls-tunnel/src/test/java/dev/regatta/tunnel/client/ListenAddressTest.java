package dev.regatta.tunnel.client;

import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import dev.regatta.tunnel.tls.NodeVerification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client end on a mount's own loopback address (127.0.77.x), with and without its portmapper. */
class ListenAddressTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");

    private TestBackend backend;
    private TunnelServer server;
    private TunnelClient client;

    @BeforeEach
    void startServer() throws Exception {
        backend = new TestBackend(TestBackend.ECHO);
        server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), new RecordingListener(),
                Admission.admitAll());
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        server.close();
        backend.close();
    }

    private TunnelClient.Builder builder(String listenAddress) throws IOException {
        var credentials = CA.client("mount-1").issue().trusting(CA);
        return TunnelClient.builder()
                .node("127.0.0.1", server.port())
                .credentials(() -> credentials)
                .nodeVerification(NodeVerification.nodeId(Tunnels.NODE_ID))
                .listenAddress(InetAddress.getByName(listenAddress))
                .listenPort(0)
                .connectTimeout(Duration.ofSeconds(5));
    }

    @Test
    void listensOnTheGivenLoopbackAddressOnlyAndCarriesBytes() throws Exception {
        client = builder("127.0.77.5").start();

        assertThat(client.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.77.5");
        assertThat(client.portmapperAddress()).as("not asked for").isEmpty();
        try (Socket socket = new Socket(InetAddress.getByName("127.0.77.5"), client.port())) {
            socket.setSoTimeout(10_000);
            byte[] request = "NFS call".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(request);
            assertThat(Tunnels.readFully(socket.getInputStream(), request.length)).isEqualTo(request);
        }
        assertThatThrownBy(() -> new Socket(InetAddress.getByName("127.0.0.1"), client.port()).close())
                .as("not on 127.0.0.1").isInstanceOf(ConnectException.class);
    }

    @Test
    void thePortmapperOnTheSameAddressNamesTheTunnelsPort() throws Exception {
        client = builder("127.0.77.6").portmapper(0).start();

        InetSocketAddress portmapper = client.portmapperAddress().orElseThrow();
        assertThat(portmapper.getAddress().getHostAddress()).isEqualTo("127.0.77.6");
        assertThat(portmapper.getPort()).isNotEqualTo(client.port());
        try (Socket socket = new Socket(portmapper.getAddress(), portmapper.getPort())) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            ByteBuffer call = ByteBuffer.allocate(60);
            call.putInt(0x80000000 | 56).putInt(7).putInt(0).putInt(2).putInt(100000).putInt(2).putInt(3)
                    .putInt(0).putInt(0).putInt(0).putInt(0)            // AUTH_NONE credential and verifier
                    .putInt(100021).putInt(4).putInt(6).putInt(0);      // GETPORT NLM 4 TCP
            out.write(call.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readInt() & 0x7fffffff;
            ByteBuffer reply = ByteBuffer.wrap(in.readNBytes(length));
            assertThat(reply.getInt(0)).isEqualTo(7);
            assertThat(reply.getInt(20)).as("SUCCESS").isZero();
            assertThat(reply.getInt(24)).isEqualTo(client.port());
        }
        client.close();
        assertThatThrownBy(() -> new Socket(portmapper.getAddress(), portmapper.getPort()).close())
                .as("closed with the client").isInstanceOf(ConnectException.class);
        client = null;
    }

    @Test
    void aPortmapperNeedsAnIpv4Address() {
        assertThatThrownBy(() -> builder("::1").portmapper(0).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv4");
    }
}
