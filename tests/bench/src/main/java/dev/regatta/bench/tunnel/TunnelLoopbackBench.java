package dev.regatta.bench.tunnel;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.ThrowawayPki;
import dev.regatta.tunnel.tls.NodeVerification;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tests/bench/tunnel-loopback}: how much of a plain TCP connection's throughput the tunnel keeps, for traffic
 * shaped like NFS READs. Everything runs in this process on loopback: a reply server, then the same load once
 * straight to it and once through a client and server end with throwaway certificates. It lives here, not in the
 * tunnel's jar, because only the benchmark needs it; {@code tests/bench/tunnel} measures real NFS READs instead.
 */
@Command(name = "tunnel-loopback", mixinStandardHelpOptions = true,
        description = "Compares plain loopback TCP with the TLS tunnel for NFS-READ-like traffic and prints MiB/s.")
public final class TunnelLoopbackBench implements Callable<Integer> {

    /** Issue 16's goal for the tunnel (the same as tests/bench/tunnel's). */
    private static final double TARGET_RATIO = 0.85;
    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";
    /** The name prefix of both ends' network threads ({@code regatta-tunnel-client-...}, {@code -server-...}). */
    private static final String TUNNEL_THREADS = "regatta-tunnel-";

    public static void main(String[] args) {
        // The tunnel CLI's logging (warnings and the tunnel's INFO lines on standard error), not this project's
        // logback.xml, which keeps the NFS benchmark's libraries silent.
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "regatta-tunnel-logback.xml");
        }
        System.exit(new CommandLine(new TunnelLoopbackBench()).execute(args));
    }

    @Option(names = "--seconds", defaultValue = "10", description = "Measured time per run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warm-up-seconds", defaultValue = "3",
            description = "Unmeasured time before each run, for the JIT (default: ${DEFAULT-VALUE}).")
    int warmUpSeconds;

    @Option(names = "--in-flight", defaultValue = "8",
            description = "Requests outstanding at once, like an NFS client's slots (default: ${DEFAULT-VALUE}).")
    int inFlight;

    @Option(names = "--reply-kib", defaultValue = "1024",
            description = "Reply size in KiB, the READ size (default: ${DEFAULT-VALUE}).")
    int replyKib;

    @Option(names = "--request-bytes", defaultValue = "128",
            description = "Request size, about an NFS READ call's (default: ${DEFAULT-VALUE}).")
    int requestBytes;

    @Override
    public Integer call() throws Exception {
        Duration warmUp = Duration.ofSeconds(warmUpSeconds);
        Duration measured = Duration.ofSeconds(seconds);
        ReadLoad load = new ReadLoad(requestBytes, replyKib * 1024, inFlight);
        System.out.printf(Locale.ROOT, "tunnel-loopback bench: %d-byte requests, %d KiB replies, %d in flight, "
                        + "%d s measured after %d s warm-up, %d processor(s)%n", requestBytes, replyKib, inFlight,
                seconds, warmUpSeconds, Runtime.getRuntime().availableProcessors());
        try (ReplyServer backend = new ReplyServer(requestBytes, replyKib * 1024)) {
            ReadLoad.Result straight = load.run(backend.address(), warmUp, measured, () -> 0);
            double plain = straight.mibPerSecond();
            System.out.printf(Locale.ROOT, "plain TCP:  %8.1f MiB/s, process CPU %5.2f ms per MiB%n", plain,
                    straight.processCpuMillisPerMib());
            ReadLoad.Result tunnelled = throughTunnel(backend, load, warmUp, measured);
            System.out.printf(Locale.ROOT, "TLS tunnel: %8.1f MiB/s, process CPU %5.2f ms per MiB%n",
                    tunnelled.mibPerSecond(), tunnelled.processCpuMillisPerMib());
            double ratio = tunnelled.mibPerSecond() / plain;
            System.out.printf(Locale.ROOT, "ratio:      %8.0f%% of plain TCP (target: at least %.0f%%; %s)%n",
                    ratio * 100, TARGET_RATIO * 100, ratio >= TARGET_RATIO ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "tunnel CPU: %8.2f ms per MiB (both ends' network threads); the process's"
                    + " extra over plain TCP: %.2f ms per MiB%n", tunnelled.cpuMillisPerMib(),
                    tunnelled.processCpuMillisPerMib() - straight.processCpuMillisPerMib());
        }
        return 0;
    }

    private static ReadLoad.Result throughTunnel(ReplyServer backend, ReadLoad load, Duration warmUp,
                                                 Duration measured) throws Exception {
        ThrowawayPki pki = ThrowawayPki.create();
        try (TunnelServer server = TunnelServer.builder()
                     .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .backend(backend.address())
                     .credentials(pki::node)
                     .threads(1)
                     .start();
             TunnelClient client = TunnelClient.builder()
                     .node("127.0.0.1", server.port())
                     .credentials(pki::mount)
                     .nodeVerification(NodeVerification.nodeId(ThrowawayPki.NODE_ID))
                     .listenPort(0)
                     .threads(1)
                     .start()) {
            return load.run(client.localAddress(), warmUp, measured, TunnelLoopbackBench::tunnelCpuNanos);
        }
    }

    /**
     * The CPU time of both tunnel ends' network threads so far: what the tunnel costs per byte, which a machine busy
     * with other work changes far less than the rates.
     */
    private static long tunnelCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(TUNNEL_THREADS)) {
                nanos += Math.max(0, threads.getThreadCpuTime(thread.threadId()));
            }
        }
        return nanos;
    }
}
