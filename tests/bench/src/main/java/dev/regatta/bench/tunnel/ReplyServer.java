package dev.regatta.bench.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The benchmark's stand-in for an NFS server answering READs: for each fixed-size request it reads, it writes one
 * fixed-size reply. One thread per connection, as simple as possible so that it costs little CPU.
 */
public final class ReplyServer implements AutoCloseable {

    private final ServerSocket serverSocket;
    private final int requestSize;
    private final byte[] reply;

    public ReplyServer(int requestSize, int replySize) throws IOException {
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.requestSize = requestSize;
        this.reply = new byte[replySize];
        Thread acceptor = new Thread(this::accept, "bench-reply-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    private void accept() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                socket.setTcpNoDelay(true);
                Thread worker = new Thread(() -> serve(socket), "bench-reply-" + socket.getPort());
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (in.readNBytes(requestSize).length == requestSize) {
                out.write(reply);
            }
        } catch (IOException e) {
            // The load generator closed its connection at the end of a run.
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
