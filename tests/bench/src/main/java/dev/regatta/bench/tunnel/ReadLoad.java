package dev.regatta.bench.tunnel;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A load shaped like NFS READs on one connection: small requests, large replies, a fixed number in flight. Each
 * reply read in full releases the next request, as an NFS client's slot table does.
 */
public final class ReadLoad {

    private static final double MIB = 1024.0 * 1024.0;

    private final int requestSize;
    private final int replySize;
    private final int inFlight;

    public ReadLoad(int requestSize, int replySize, int inFlight) {
        this.requestSize = requestSize;
        this.replySize = replySize;
        this.inFlight = inFlight;
    }

    /**
     * What a run measured: the replies' throughput, the CPU time {@code cpuNanos} counted per MiB of replies over the
     * same time, and the whole process's CPU time per MiB (this load, the reply server and whatever carries the bytes
     * between them), which neither a busy machine nor a thread the other figure leaves out can hide.
     */
    public record Result(double mibPerSecond, double cpuMillisPerMib, double processCpuMillisPerMib) {
    }

    /**
     * Runs for {@code warmUp}, then measures for {@code duration}.
     *
     * @param cpuNanos the CPU time of whatever should be charged for the replies, read when the measurement starts
     *                 and ends
     */
    public Result run(InetSocketAddress server, Duration warmUp, Duration duration, LongSupplier cpuNanos)
            throws IOException {
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
            // The CPU clock is read between replies: from the first reply measured on, its bytes not counted.
            long cpuFrom = warmUp.isZero() ? cpuNanos.getAsLong() : -1;
            long processCpuFrom = warmUp.isZero() ? processCpuNanos() : -1;
            long bytesBeforeCpuFrom = 0;
            long now = start;
            while (now < end) {
                if (in.readNBytes(reply, 0, replySize) != replySize) {
                    throw new IOException("the server closed the connection mid-reply");
                }
                now = System.nanoTime();
                if (now >= measureFrom) {
                    measuredBytes += replySize;
                    if (cpuFrom < 0) {
                        cpuFrom = cpuNanos.getAsLong();
                        processCpuFrom = processCpuNanos();
                        bytesBeforeCpuFrom = measuredBytes;
                    }
                }
                out.write(request);
            }
            double seconds = (now - Math.max(start, measureFrom)) / 1e9;
            double cpuMillis = (cpuNanos.getAsLong() - cpuFrom) / 1e6;
            double processCpuMillis = (processCpuNanos() - processCpuFrom) / 1e6;
            double cpuMib = (measuredBytes - bytesBeforeCpuFrom) / MIB;
            return new Result(measuredBytes / MIB / seconds, cpuMillis / cpuMib, processCpuMillis / cpuMib);
        }
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
