package dev.regatta.tunnel;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Bytes through client end, server end and backend, over real TLS on loopback. */
class TunnelRelayTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final int LARGE = 64 * 1024 * 1024;

    private final RecordingListener listener = new RecordingListener();
    private TestBackend backend;
    private TunnelServer server;
    private TunnelClient client;

    private void start(TestBackend.Behaviour behaviour) throws Exception {
        backend = new TestBackend(behaviour);
        server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                Admission.admitAll());
        client = Tunnels.client(server.port(), CA.client("mount-1").issue().trusting(CA), Tunnels.NODE_ID);
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void echoesBytesThroughTheTunnel() throws Exception {
        start(TestBackend.ECHO);
        try (Socket socket = Tunnels.connect(client)) {
            for (int i = 0; i < 3; i++) {
                byte[] request = ("NFS call " + i).getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(request);
                assertThat(Tunnels.readFully(socket.getInputStream(), request.length)).isEqualTo(request);
            }
            assertThat(client.openConnections()).isEqualTo(1);
            assertThat(server.connections()).singleElement()
                    .satisfies(connection -> assertThat(connection.identity().mountId()).isEqualTo("mount-1"));
        }
        Await.until("the client end has no connection left", () -> client.openConnections() == 0);
        Await.until("the server reported the connection closed", () -> listener.closed.size() == 1);
        assertThat(server.connections()).isEmpty();
        assertThat(backend.failures()).isEmpty();
    }

    @Test
    void openedNamesTheBackendConnectionAndTheIdentityBeforeAnyByteArrives() throws Exception {
        RecordingListener.Event[] openedBeforeFirstByte = new RecordingListener.Event[1];
        start(socket -> {
            // The backend's first read returns only once the tunnel forwards; by then the listener must know.
            int first = socket.getInputStream().read();
            openedBeforeFirstByte[0] = listener.opened.isEmpty() ? null : listener.opened.get(0);
            socket.getOutputStream().write(first);
            TestBackend.ECHO.serve(socket);
        });
        try (Socket socket = Tunnels.connect(client)) {
            socket.getOutputStream().write('x');
            assertThat(socket.getInputStream().read()).isEqualTo('x');
        }
        assertThat(openedBeforeFirstByte[0]).isNotNull();
        RecordingListener.Event opened = openedBeforeFirstByte[0];
        assertThat(backend.acceptedFrom()).containsExactly(opened.backendLocalAddress());
        assertThat(opened.identity()).isEqualTo(new ClientIdentity("mount-1", "fs-0123456789abcdef0",
                CertifiedAccess.READ_WRITE, "grant-mount-1", "arn:aws:sts::123456789012:assumed-role/app/i-0abc",
                opened.identity().notAfter()));
        assertThat(opened.remote().getAddress().isLoopbackAddress()).isTrue();
        Await.until("closed() reports the same connection", () -> listener.closed.size() == 1);
        assertThat(listener.closed.get(0)).isEqualTo(opened);
    }

    @Test
    void carriesSixtyFourMebibytesToTheBackendIntact() throws Exception {
        CompletableFuture<String> received = new CompletableFuture<>();
        start(socket -> {
            MessageDigest digest = sha256();
            byte[] buffer = new byte[256 * 1024];
            long total = 0;
            for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
                total += n;
            }
            received.complete(total + " " + HexFormat.of().formatHex(digest.digest()));
            socket.getOutputStream().write("done".getBytes(StandardCharsets.US_ASCII));
        });
        byte[] data = randomBytes(LARGE, 1);
        try (Socket socket = Tunnels.connect(client)) {
            socket.getOutputStream().write(data);
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("done");
        }
        assertThat(received.get(30, TimeUnit.SECONDS))
                .isEqualTo(LARGE + " " + HexFormat.of().formatHex(sha256().digest(data)));
    }

    @Test
    void carriesSixtyFourMebibytesFromTheBackendIntact() throws Exception {
        byte[] data = randomBytes(LARGE, 2);
        start(socket -> {
            new DataInputStream(socket.getInputStream()).readInt();
            socket.getOutputStream().write(data);
            socket.shutdownOutput();
        });
        try (Socket socket = Tunnels.connect(client)) {
            new DataOutputStream(socket.getOutputStream()).writeInt(LARGE);
            MessageDigest digest = sha256();
            long total = 0;
            byte[] buffer = new byte[256 * 1024];
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
                total += n;
            }
            assertThat(total).isEqualTo(LARGE);
            assertThat(digest.digest()).isEqualTo(sha256().digest(data));
        }
    }

    @Test
    void halfCloseEndsTheBackendsInputAndTheReplyStillArrives() throws Exception {
        start(socket -> {
            // Answers only once the request has ended, as a server reading to EOF does.
            byte[] request = socket.getInputStream().readAllBytes();
            OutputStream out = socket.getOutputStream();
            out.write(("got " + request.length + " bytes: ").getBytes(StandardCharsets.US_ASCII));
            out.write(request);
            socket.shutdownOutput();
        });
        try (Socket socket = Tunnels.connect(client)) {
            socket.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("got 7 bytes: request");
        }
        Await.until("the connection is closed at both ends", () -> listener.closed.size() == 1
                && client.openConnections() == 0);
        assertThat(backend.failures()).isEmpty();
    }

    @Test
    void backendHalfCloseEndsTheClientsInputWhileItKeepsSending() throws Exception {
        CompletableFuture<byte[]> afterHalfClose = new CompletableFuture<>();
        start(socket -> {
            socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            afterHalfClose.complete(socket.getInputStream().readAllBytes());
        });
        try (Socket socket = Tunnels.connect(client)) {
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("bye");
            socket.getOutputStream().write("still talking".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(afterHalfClose.get(20, TimeUnit.SECONDS), StandardCharsets.US_ASCII))
                    .isEqualTo("still talking");
        }
    }

    @Test
    void closeReleasesEverything() throws Exception {
        start(TestBackend.ECHO);
        Socket socket = Tunnels.connect(client);
        socket.getOutputStream().write(1);
        assertThat(socket.getInputStream().read()).isEqualTo(1);
        client.close();
        server.close();
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        socket.close();
        // A thread finishes just after its termination is reported, hence waiting rather than asserting at once.
        Await.until("no tunnel thread is left", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.isAlive() && thread.getName().startsWith("regatta-tunnel-")));
        client = null;
        server = null;
    }

    static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
