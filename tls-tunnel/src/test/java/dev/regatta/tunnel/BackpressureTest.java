package dev.regatta.tunnel;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.relay.Transport;
import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import io.netty.buffer.ByteBufAllocatorMetric;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backend that stops reading must stop the sender, not make the tunnel buffer what the sender keeps writing.
 * Observable: the sender's writes stall long before all it offers is accepted, and the memory Netty holds for
 * buffers stays small; once the backend reads again, every byte arrives intact.
 */
class BackpressureTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final int CHUNK = 1024 * 1024;
    private static final int CHUNKS = 512;
    /**
     * Kernel socket buffers alone may hold tens of MiB across the three TCP connections (receive buffers autotune up
     * to 32 MiB here); an unbounded tunnel would accept all 512 MiB.
     */
    private static final long MAX_ACCEPTED_WHILE_STALLED = 96L * CHUNK;
    private static final long MAX_NETTY_BUFFER_MEMORY = 48L * CHUNK;

    @Test
    void aBackendThatDoesNotReadStallsTheSenderWithBoundedBuffering() throws Exception {
        CountDownLatch backendMayRead = new CountDownLatch(1);
        CompletableFuture<String> received = new CompletableFuture<>();
        AtomicLong accepted = new AtomicLong();
        RecordingListener listener = new RecordingListener();
        try (TestBackend backend = new TestBackend(socket -> {
                 awaitUninterruptibly(backendMayRead);
                 MessageDigest digest = TunnelRelayTest.sha256();
                 byte[] buffer = new byte[CHUNK];
                 long total = 0;
                 for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
                     digest.update(buffer, 0, n);
                     total += n;
                 }
                 received.complete(total + " " + HexFormat.of().formatHex(digest.digest()));
             });
             TunnelServer server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                     Admission.admitAll());
             TunnelClient client = Tunnels.client(server.port(), CA.client("mount-1").issue().trusting(CA),
                     Tunnels.NODE_ID);
             Socket socket = Tunnels.connect(client)) {
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> send(socket, accepted));

            awaitStall(accepted);
            long acceptedWhileStalled = accepted.get();
            long nettyMemory = nettyBufferMemory();

            assertThat(acceptedWhileStalled).as("bytes the sender got accepted while the backend did not read")
                    .isLessThan(MAX_ACCEPTED_WHILE_STALLED);
            assertThat(nettyMemory).as("memory Netty holds for buffers").isLessThan(MAX_NETTY_BUFFER_MEMORY);

            backendMayRead.countDown();
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(sent.get(60, TimeUnit.SECONDS));
        }
    }

    /** Writes the chunks, then ends its output; returns what the backend must have read. */
    private static String send(Socket socket, AtomicLong accepted) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            Random random = new Random(3);
            byte[] chunk = new byte[CHUNK];
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < CHUNKS; i++) {
                random.nextBytes(chunk);
                digest.update(chunk);
                out.write(chunk);
                accepted.addAndGet(CHUNK);
            }
            socket.shutdownOutput();
            return (long) CHUNKS * CHUNK + " " + HexFormat.of().formatHex(digest.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the sender has made no progress for a second: its writes are blocked. */
    private static void awaitStall(AtomicLong accepted) {
        long[] last = {-1};
        long[] unchangedSince = {System.nanoTime()};
        Await.until("the sender's writes stall", Duration.ofSeconds(60), () -> {
            long now = accepted.get();
            if (now != last[0]) {
                last[0] = now;
                unchangedSince[0] = System.nanoTime();
                return false;
            }
            assertThat(now).as("the sender got everything accepted: nothing pushed back")
                    .isLessThan((long) CHUNKS * CHUNK);
            return System.nanoTime() - unchangedSince[0] > TimeUnit.SECONDS.toNanos(1);
        });
    }

    private static long nettyBufferMemory() {
        ByteBufAllocatorMetric metric = Transport.ALLOCATOR.metric();
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
