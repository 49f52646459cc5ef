package dev.regatta.tunnel.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain TCP server standing in for the NFS server behind the tunnel: each connection gets its own thread running
 * the test's behaviour. Remembers which addresses connected, as the NFS server would see them.
 */
public final class TestBackend implements AutoCloseable {

    /** What the backend does with one connection. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket socket) throws IOException;
    }

    /** Writes back everything it reads until the client ends its output, then ends its own. */
    public static final Behaviour ECHO = socket -> {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
            socket.getOutputStream().write(buffer, 0, n);
        }
        socket.shutdownOutput();
    };

    private final ServerSocket serverSocket;
    private final List<InetSocketAddress> acceptedFrom = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    public TestBackend(Behaviour behaviour) throws IOException {
        serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> accept(behaviour), "test-backend-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    /** The remote address of each connection accepted so far. */
    public List<InetSocketAddress> acceptedFrom() {
        return acceptedFrom;
    }

    /** Exceptions the behaviour threw, other than a peer going away. */
    public List<Throwable> failures() {
        return failures;
    }

    private void accept(Behaviour behaviour) {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            acceptedFrom.add((InetSocketAddress) socket.getRemoteSocketAddress());
            Thread worker = new Thread(() -> {
                try (socket) {
                    behaviour.serve(socket);
                } catch (IOException e) {
                    if (!socket.isClosed() && !serverSocket.isClosed()) {
                        failures.add(e);
                    }
                }
            }, "test-backend-" + socket.getPort());
            worker.setDaemon(true);
            worker.start();
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
