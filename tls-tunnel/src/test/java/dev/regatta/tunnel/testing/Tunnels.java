package dev.regatta.tunnel.testing;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelListener;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.tls.NodeVerification;
import dev.regatta.tunnel.tls.TlsCredentials;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.time.Duration;

/** Starts tunnel ends on loopback the way the tests need them. */
public final class Tunnels {

    public static final String NODE_ID = "node-0123456789abcdef0";

    private Tunnels() {
    }

    public static TunnelServer server(TestBackend backend, TlsCredentials credentials, TunnelListener listener,
                                      Admission admission) throws IOException, GeneralSecurityException {
        return TunnelServer.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .backend(backend.address())
                .credentials(() -> credentials)
                .admission(admission)
                .listener(listener)
                .threads(2)
                .start();
    }

    public static TunnelClient client(int nodePort, TlsCredentials credentials, String expectedNodeId)
            throws IOException, GeneralSecurityException {
        return TunnelClient.builder()
                .node("127.0.0.1", nodePort)
                .credentials(() -> credentials)
                .nodeVerification(NodeVerification.nodeId(expectedNodeId))
                .listenPort(0)
                .connectTimeout(Duration.ofSeconds(5))
                .connectAttempts(2)
                .retryBackoff(Duration.ofMillis(50))
                .start();
    }

    /** A connection to the client end, as the NFS client would open it; reads time out rather than hang a test. */
    public static Socket connect(TunnelClient client) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), client.port());
        socket.setSoTimeout((int) Await.DEFAULT.toMillis());
        return socket;
    }

    /** Reads exactly {@code length} bytes. */
    public static byte[] readFully(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("the stream ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }
}
