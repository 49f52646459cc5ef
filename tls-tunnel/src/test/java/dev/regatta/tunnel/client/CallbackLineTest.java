package dev.regatta.tunnel.client;

import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The node calls an instance's lock manager back through the mount's callback line: the node's RPC code connects to
 * the loopback address the tunnel server gives, and the call reaches the service the instance's rpcbind names, from
 * the mount's own address.
 */
class CallbackLineTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final String MOUNT = "mount-cb";
    private static final String MOUNT_ADDRESS = "127.0.77.9";

    private TestBackend backend;
    private TunnelServer server;
    private TunnelClient client;
    private FakeLockd lockd;
    private FakeRpcbind rpcbind;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend(TestBackend.ECHO);
        server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), new RecordingListener(),
                Admission.admitAll());
        lockd = new FakeLockd();
        rpcbind = new FakeRpcbind(lockd.port());
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        server.close();
        backend.close();
        lockd.close();
        rpcbind.close();
    }

    private TunnelClient startClient() throws Exception {
        var credentials = CA.client(MOUNT).issue().trusting(CA);
        return TunnelClient.builder()
                .node("127.0.0.1", server.port())
                .credentials(() -> credentials)
                .nodeVerification(NodeVerification.nodeId(Tunnels.NODE_ID))
                .listenAddress(InetAddress.getByName(MOUNT_ADDRESS))
                .listenPort(0)
                .connectTimeout(Duration.ofSeconds(5))
                .callbacks(rpcbind.address())
                .start();
    }

    private InetSocketAddress awaitRoute(int program, int version) {
        Await.until("a callback line from " + MOUNT, () -> server.callbackAddress(MOUNT, program, version).isPresent());
        return server.callbackAddress(MOUNT, program, version).orElseThrow();
    }

    @Test
    void aCallReachesTheInstancesLockManagerFromTheMountsAddressAndItsReplyComesBack() throws Exception {
        client = startClient();
        InetSocketAddress route = awaitRoute(100021, 4);
        assertThat(route.getAddress().isLoopbackAddress()).isTrue();

        for (int call = 1; call <= 3; call++) {
            String request = "GRANTED #" + call;
            assertThat(callThrough(route, request)).isEqualTo("lockd got: " + request);
            // Each call uses up a line; the instance opens the next one for the following call.
            route = awaitRoute(100021, 4);
        }
        assertThat(lockd.callers).hasSize(3).allSatisfy(caller -> assertThat(caller).isEqualTo(MOUNT_ADDRESS));
        assertThat(rpcbind.asked).containsOnly("100021/4");
    }

    @Test
    void aServiceTheInstanceDoesNotRunEndsTheCallAndTheLineRecovers() throws Exception {
        client = startClient();
        InetSocketAddress nsm = awaitRoute(100024, 1);

        try (Socket socket = new Socket(nsm.getAddress(), nsm.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("SM_NOTIFY".getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).as("closed: rpcbind knows no NSM here").isEqualTo(-1);
        }
        assertThat(callThrough(awaitRoute(100021, 4), "GRANTED")).isEqualTo("lockd got: GRANTED");
    }

    @Test
    void onlyTheLockServicesAreReachableAndOnlyForMountsWithALine() throws Exception {
        assertThat(server.callbackAddress(MOUNT, 100021, 4)).as("no client yet").isEmpty();
        client = startClient();
        awaitRoute(100021, 4);

        assertThat(server.callbackAddress("another-mount", 100021, 4)).isEmpty();
        assertThatThrownBy(() -> server.callbackAddress(MOUNT, 100003, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NLM v4 and NSM v1 only");

        client.close();
        client = null;
        Await.until("the line's end noticed", () -> server.callbackAddress(MOUNT, 100021, 4).isEmpty());
    }

    @Test
    void aTunnelWithoutCallbacksOpensNoLine() throws Exception {
        var credentials = CA.client(MOUNT).issue().trusting(CA);
        client = TunnelClient.builder().node("127.0.0.1", server.port()).credentials(() -> credentials)
                .nodeVerification(NodeVerification.nodeId(Tunnels.NODE_ID)).listenPort(0).start();
        try (Socket socket = Tunnels.connect(client)) {
            socket.getOutputStream().write(1);
            assertThat(socket.getInputStream().read()).as("the tunnel works").isEqualTo(1);
        }
        assertThat(server.callbackAddress(MOUNT, 100021, 4)).isEmpty();
    }

    private static String callThrough(InetSocketAddress route, String request) throws IOException {
        try (Socket socket = new Socket(route.getAddress(), route.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** Stands in for the kernel's lockd: answers what it read, prefixed, and notes where each caller came from. */
    private static final class FakeLockd extends TestServer {
        final List<String> callers = new CopyOnWriteArrayList<>();

        FakeLockd() throws IOException {
            super();
        }

        @Override
        void serve(Socket socket) throws IOException {
            callers.add(socket.getInetAddress().getHostAddress());
            byte[] request = socket.getInputStream().readAllBytes();
            socket.getOutputStream().write(("lockd got: " + new String(request, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Stands in for the machine's rpcbind: answers portmapper v2 GETPORT with the lockd's port for NLM v4 only. */
    private static final class FakeRpcbind extends TestServer {
        final List<String> asked = new CopyOnWriteArrayList<>();
        private final int lockdPort;

        FakeRpcbind(int lockdPort) throws IOException {
            super();
            this.lockdPort = lockdPort;
        }

        @Override
        void serve(Socket socket) throws IOException {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteBuffer call = ByteBuffer.wrap(in.readNBytes(in.readInt() & 0x7fffffff));
            int xid = call.getInt(0);
            int program = call.getInt(40);
            int version = call.getInt(44);
            asked.add(program + "/" + version);
            int port = program == 100021 && version == 4 ? lockdPort : 0;
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(0x80000000 | 28);
            out.writeInt(xid);
            out.writeInt(1);        // REPLY
            out.writeInt(0);        // MSG_ACCEPTED
            out.writeInt(0);        // verifier AUTH_NONE
            out.writeInt(0);
            out.writeInt(0);        // SUCCESS
            out.writeInt(port);
            out.flush();
        }
    }

    /** A loopback TCP server that serves each connection on its own thread. */
    private abstract static class TestServer implements AutoCloseable {
        private final ServerSocket socket;

        TestServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            daemon(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket accepted = socket.accept();
                        daemon(() -> {
                            try (accepted) {
                                accepted.setSoTimeout(10_000);
                                serve(accepted);
                            } catch (IOException e) {
                                // the test sees the missing answer
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        abstract void serve(Socket socket) throws IOException;

        private static void daemon(Runnable body) {
            Thread thread = new Thread(body, "callback-test-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
