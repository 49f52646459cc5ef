package dev.regatta.bench.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * A load shaped like NFS READs on one connection: small requests, large replies, a fixed number in flight. Each
 * reply read in full releases the next request, as an NFS client's slot table does.
 */
public final class ReadLoad {

    private final int requestSize;
    private final int replySize;
    private final int inFlight;

    public ReadLoad(int requestSize, int replySize, int inFlight) {
        this.requestSize = requestSize;
        this.replySize = replySize;
        this.inFlight = inFlight;
    }

    /** Runs for {@code warmUp}, then measures for {@code duration}; returns the replies' throughput in MiB/s. */
    public double run(InetSocketAddress server, Duration warmUp, Duration duration) throws IOException {
        byte[] request = new byte[requestSize];
        byte[] reply = new byte[replySize];
        try (Socket socket = new Socket(server.getAddress(), server.getPort())) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < inFlight; i++) {
                out.write(request);
            }
            long start = System.nanoTime();
            long measureFrom = start + warmUp.toNanos();
            long end = measureFrom + duration.toNanos();
            long measuredBytes = 0;
            long now = start;
            while (now < end) {
                if (in.readNBytes(reply, 0, replySize) != replySize) {
                    throw new IOException("the server closed the connection mid-reply");
                }
                now = System.nanoTime();
                if (now >= measureFrom) {
                    measuredBytes += replySize;
                }
                out.write(request);
            }
            double seconds = (now - Math.max(start, measureFrom)) / 1e9;
            return measuredBytes / (1024.0 * 1024.0) / seconds;
        }
    }
}
