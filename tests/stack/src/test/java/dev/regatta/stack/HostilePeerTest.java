package dev.regatta.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.emc.ecs.nfsclient.nfs.NfsCreateMode;
import com.emc.ecs.nfsclient.nfs.NfsReadResponse;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.io.Nfs3File;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flood that once killed a node, against {@code regatta up} with a small heap: unauthenticated connections on
 * the NFS port announcing huge records (1 MiB fragments without the last-fragment bit, a 2 GiB record) and many
 * half-sent records; garbage instead of handshakes on the TLS front. The node must keep serving a normal NFS client during and after the flood, its heap bounded.
 */
class HostilePeerTest {

    private static final Duration START = Duration.ofMinutes(3);
    private static final int HEAP_MIB = 256;
    private static final int MIB = 1 << 20;
    private static final Pattern NFS_LINE = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) export /fs-demo");
    private static final Pattern TLS_LINE = Pattern.compile("regatta: tls 127\\.0\\.0\\.1:(\\d+) .*");
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(\\{[^}]*\\})? (\\S+)$");

    @Test
    void aFloodOfHugeAndHalfSentRecordsLeavesTheNodeServingWithItsHeapBounded(@TempDir Path dir) throws Exception {
        // The launcher's JVM options (./regatta), with a small heap.
        List<String> jvm = List.of("-Xmx" + HEAP_MIB + "m", "-XX:+ExitOnOutOfMemoryError");
        try (RegattaUp up = RegattaUp.start(dir.resolve("up.log"), jvm, Map.of(),
                "--data-dir", dir.resolve("data").toString(), "--s3-port", "0", "--api-port", "0", "--nfs-port", "0",
                "--tls-port", "0", "--portmap", "--metrics-port", "0")) {
            up.awaitLine("regatta: ready", START);
            int nfsPort = Integer.parseInt(up.seenLine(NFS_LINE).group(1));
            int tlsPort = Integer.parseInt(up.seenLine(TLS_LINE).group(1));
            URI metrics = URI.create(up.seenLine(RegattaUp.METRICS_LINE).group(1));
            Nfs3 nfs = new Nfs3("127.0.0.1", "/fs-demo", new CredentialUnix(0, 0, null), 3);
            writeAndReadBack(nfs, "/before.bin", 0);

            ExecutorService flood = Executors.newFixedThreadPool(48);
            List<Future<Long>> floods = new ArrayList<>();
            byte[] fragment = new byte[4 + MIB];
            ByteBuffer.wrap(fragment).putInt(MIB); // no last-fragment bit
            for (int i = 0; i < 7; i++) {
                floods.add(flood.submit(() -> send(nfsPort, fragment, 512)));
            }
            floods.add(flood.submit(() -> send(nfsPort, ByteBuffer.allocate(4 + MIB).putInt(0x7fffffff).array(), 8)));
            // Records of a legal size, sent but for their last bytes: held until the half-sent timeout.
            byte[] almost = new byte[4 + MIB - 1024];
            ByteBuffer.wrap(almost).putInt(0x80000000 | MIB);
            List<Socket> halfSent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), nfsPort);
                halfSent.add(socket);
                flood.submit(() -> {
                    socket.getOutputStream().write(almost);
                    return null;
                });
            }

            // Garbage instead of TLS handshakes on the TLS front.
            byte[] garbage = new byte[16 << 10];
            java.util.Arrays.fill(garbage, (byte) 0x16);
            for (int i = 0; i < 200; i++) {
                floods.add(flood.submit(() -> send(tlsPort, garbage, 64)));
            }

            AtomicBoolean flooding = new AtomicBoolean(true);
            Future<Integer> served = Executors.newSingleThreadExecutor().submit(() -> {
                int files = 0;
                while (flooding.get()) {
                    writeAndReadBack(nfs, "/during-" + files + ".bin", files);
                    files++;
                }
                return files;
            });
            double maxHeld = 0;
            double maxHeap = 0;
            for (Future<Long> f : floods) {
                while (!f.isDone()) {
                    Map<String, Double> m = scrape(metrics);
                    maxHeld = Math.max(maxHeld, m.getOrDefault("rpc_intake_bytes", 0.0));
                    maxHeap = Math.max(maxHeap, m.getOrDefault("heap", 0.0));
                    Thread.sleep(200);
                }
                assertThat(f.get()).as("the server closed each flooding connection").isNotNegative();
            }
            flooding.set(false);
            int files = served.get(2, TimeUnit.MINUTES);
            assertThat(files).as("files a normal client wrote and read back during the flood").isPositive();
            for (Socket socket : halfSent) {
                socket.close();
            }
            flood.shutdownNow();

            Map<String, Double> after = scrape(metrics);
            double budget = after.get("rpc_intake_budget_bytes");
            assertThat(after.get("refused")).as("flooding connections closed for too large records")
                    .isGreaterThanOrEqualTo(8);
            assertThat(after.get("tls-refused")).as("garbage handshakes the TLS front refused")
                    .isGreaterThanOrEqualTo(200);
            assertThat(maxHeld).as("bytes held by calls never far beyond the budget").isLessThan(budget + 16.0 * MIB);
            writeAndReadBack(nfs, "/after.bin", 7);
            System.out.printf("flood: %d files served during it; intake held at most %.1f MiB (budget %.1f MiB); "
                            + "heap used at most %.1f MiB of %d MiB%n", files, maxHeld / MIB, budget / MIB,
                    maxHeap / MIB, HEAP_MIB);
            assertThat(up.isAlive()).as("the node is alive\n" + up.logTail()).isTrue();
        }
    }

    /** Sends {@code chunk} up to {@code times} times; the bytes sent before the server closed, or -1 if it never did. */
    private static long send(int port, byte[] chunk, int times) throws IOException {
        long sent = 0;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < times; i++) {
                out.write(chunk);
                sent += chunk.length;
            }
            socket.setSoTimeout(30_000);
            return socket.getInputStream().read() < 0 ? sent : -1;
        } catch (IOException e) {
            return sent; // reset by the server
        }
    }

    private static void writeAndReadBack(Nfs3 nfs, String path, int seed) throws Exception {
        byte[] content = ("file " + path + " " + seed + "\n").repeat(2000).getBytes(StandardCharsets.UTF_8);
        Nfs3File file = nfs.newFile(path);
        file.create(NfsCreateMode.UNCHECKED, new NfsSetAttributes(0644L, null, null, null, null, null), null);
        file.write(0, new ArrayList<>(List.of(ByteBuffer.wrap(content))), NfsWriteRequest.FILE_SYNC);
        byte[] back = new byte[content.length];
        int read = 0;
        while (read < back.length) {
            NfsReadResponse r = nfs.newFile(path).read(read, back.length - read, back, read);
            if (r.getBytesRead() == 0) {
                break;
            }
            read += r.getBytesRead();
        }
        assertThat(back).as(path).isEqualTo(content);
    }

    /** The samples the test needs from the node's Prometheus page: intake, budget, refusals, heap used. */
    private static Map<String, Double> scrape(URI metrics) throws Exception {
        String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double heap = 0;
        double refused = 0;
        double tlsRefused = 0;
        Map<String, Double> found = new java.util.HashMap<>();
        for (String line : page.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String labels = m.group(2) == null ? "" : m.group(2);
            double value = Double.parseDouble(m.group(3));
            switch (m.group(1)) {
                case "rpc_intake_bytes", "rpc_intake_budget_bytes" -> found.put(m.group(1), value);
                case "jvm_memory_used_bytes" -> heap += labels.contains("area=\"heap\"") ? value : 0;
                case "rpc_connections_closed_total" -> refused += labels.contains("record-too-large") ? value : 0;
                case "tls_front_refusals_total" -> tlsRefused += value;
                default -> { }
            }
        }
        found.put("heap", heap);
        found.put("refused", refused);
        found.put("tls-refused", tlsRefused);
        return found;
    }
}
