package dev.regatta.dataplane.nfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regatta.dataplane.nfs.rpc.RpcCalls;
import dev.regatta.dataplane.nfs.rpc.RpcIntake;
import dev.regatta.dataplane.nfs.v3.Nfs3Program;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.ThrowawayPki;
import dev.regatta.tunnel.tls.NodeVerification;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a peer on the NFS port can make the node hold: records bounded, a shared budget, timeouts. */
class RpcIntakeTest {

    static final int NFS = 100003;
    static final int MIB = 1 << 20;

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NfsServer server;
    MemoryFileSystem fs;

    NfsServer start(RpcIntake.Limits limits) throws IOException {
        fs = new MemoryFileSystem(false);
        server = NfsServer.start(TestExports.table(TestExports.export(0, "/fs-demo", fs)),
                TestExports.KEY, registry, "127.0.0.1", 0, limits);
        return server;
    }

    static RpcIntake.Limits limits(long budget, Duration halfSent, Duration idle) {
        return new RpcIntake.Limits(budget, halfSent, idle, Duration.ofMillis(100));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    double closed(String reason) {
        var counter = registry.find("rpc_connections_closed_total").tag("listener", "nfs").tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    double held() {
        return registry.get("rpc_intake_bytes").gauge().value();
    }

    static byte[] marker(long size, boolean last) {
        return ByteBuffer.allocate(4).putInt((int) (size | (last ? 0x80000000L : 0))).array();
    }

    /** Writes until the server closes the connection; returns how many bytes it took. */
    static long sendUntilClosed(Socket socket, byte[] chunk, int times) throws IOException {
        long sent = 0;
        OutputStream out = socket.getOutputStream();
        try {
            for (int i = 0; i < times; i++) {
                out.write(chunk);
                sent += chunk.length;
            }
        } catch (SocketException e) {
            return sent; // reset by the server: closed
        }
        return -1;
    }

    static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketException e) {
            return true; // reset
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(20);
        }
    }

    void nullCallAnswers() throws IOException {
        try (RpcTestClient client = new RpcTestClient(server.port())) {
            assertThat(client.call(NFS, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        }
    }

    @Test
    void aMarkerAnnouncingTwoGibibytesClosesTheConnectionBeforeAnythingIsBuffered() throws Exception {
        start(RpcIntake.Limits.defaults());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.getOutputStream().write(marker(0x7fffffffL, false));
            socket.getOutputStream().write(new byte[64 << 10]);
            assertThat(closedByServer(socket)).isTrue();
        }
        assertThat(closed("record-too-large")).isEqualTo(1);
        nullCallAnswers();
        await(() -> held() == 0, "the refused connection's bytes released");
    }

    @Test
    void fragmentsWithoutTheLastBitAreRefusedOnceTheyAddUpPastTheLargestCall() throws Exception {
        start(RpcIntake.Limits.defaults());
        byte[] fragment = new byte[4 + MIB];
        System.arraycopy(marker(MIB, false), 0, fragment, 0, 4);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            // The flood: 512 such fragments per connection. The second one is already too many.
            long sent = sendUntilClosed(socket, fragment, 512);
            assertThat(sent).as("refused within a few fragments, not after 512").isBetween(0L, 16L * fragment.length);
        }
        assertThat(closed("record-too-large")).isEqualTo(1);
        nullCallAnswers();
        await(() -> held() == 0, "the refused connection's bytes released");
    }

    @Test
    void aWriteOfTheAdvertisedWtmaxInManyFragmentsIsServed() throws Exception {
        start(RpcIntake.Limits.defaults());
        try (RpcTestClient client = new RpcTestClient(server.port())) {
            RpcTestClient.Reply mnt = client.call(100005, 3, 1, new RpcTestClient.Out().str("/fs-demo"));
            RpcTestClient.In m = mnt.body();
            assertThat(m.i()).isZero();
            byte[] root = m.opaque();
            RpcTestClient.In created = client.call(NFS, 3, 8,
                    new RpcTestClient.Out().opaque(root).str("f").i(0).sattr(0644)).body();
            assertThat(created.i()).isZero();
            assertThat(created.bool()).isTrue();
            byte[] fh = created.opaque();
            byte[] data = new byte[Nfs3Program.WTMAX];
            RpcTestClient.In w = client.call(NFS, 3, 7,
                    new RpcTestClient.Out().opaque(fh).l(0).i(data.length).i(2).opaque(data)).body();
            assertThat(w.i()).as("WRITE of wtmax bytes").isZero();
        }
        assertThat(closed("record-too-large")).isZero();
        await(() -> held() == 0, "every call's bytes released after it ran");
    }

    @Test
    void callsOfAnUnknownProgramReleaseTheirBytes() throws Exception {
        start(RpcIntake.Limits.defaults());
        try (RpcTestClient client = new RpcTestClient(server.port())) {
            assertThat(client.call(123456, 1, 0, new byte[100]).acceptStat()).isEqualTo(1); // PROG_UNAVAIL
            assertThat(client.call(NFS, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        }
        await(() -> held() == 0, "the unknown program's call released");
    }

    @Test
    void aConnectionThatStopsInTheMiddleOfARecordIsClosed() throws Exception {
        start(limits(64L * MIB, Duration.ofMillis(500), Duration.ofHours(1)));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.getOutputStream().write(marker(1000, true));
            socket.getOutputStream().write(new byte[10]);
            assertThat(closedByServer(socket)).isTrue();
        }
        assertThat(closed("half-sent")).isEqualTo(1);
        await(() -> held() == 0, "the half-sent record's bytes released");
    }

    @Test
    void aConnectionSilentWithNothingInFlightIsClosedAsIdle() throws Exception {
        start(limits(64L * MIB, Duration.ofHours(1), Duration.ofMillis(500)));
        try (RpcTestClient client = new RpcTestClient(server.port())) {
            assertThat(client.call(NFS, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
            await(() -> closed("idle") == 1, "the idle connection closed");
        }
        assertThat(closed("record-too-large") + closed("half-sent")).isZero();
        nullCallAnswers();
    }

    @Test
    void whenHalfSentRecordsSpendTheBudgetOtherConnectionsWaitAndAreServedOnceTheyAreClosed() throws Exception {
        // A budget of 2 MiB, held by two connections that each send most of a 1 MiB record and stop.
        start(limits(2L * MIB, Duration.ofSeconds(2), Duration.ofHours(1)));
        byte[] almost = new byte[4 + MIB - 4096];
        System.arraycopy(marker(MIB, true), 0, almost, 0, 4);
        try (Socket a = new Socket(InetAddress.getLoopbackAddress(), server.port());
             Socket b = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            a.getOutputStream().write(almost);
            b.getOutputStream().write(almost);
            await(() -> held() >= 2L * MIB - 8192, "the half-sent records held");
            // A third connection's call waits: the budget is spent, so it is read no further than its first bytes.
            CompletableFuture<Integer> call = CompletableFuture.supplyAsync(() -> {
                try (RpcTestClient client = new RpcTestClient(server.port())) {
                    return client.call(NFS, 3, 0, new byte[MIB / 2]).acceptStat();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            await(() -> registry.get("rpc_intake_paused_connections").gauge().value() >= 1, "a connection paused");
            assertThat(call).isNotDone();
            assertThat(closed("half-sent")).isZero();
            // The half-sent connections time out; the waiting call is then read and answered.
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(RpcTestClient.SUCCESS);
            assertThat(closed("half-sent")).isPositive();
            await(() -> closed("half-sent") == 2, "both half-sent connections closed");
            assertThat(closedByServer(a)).isTrue();
        }
        await(() -> held() == 0, "all bytes released");
    }

    @Test
    void aFloodThroughTheTlsTunnelIsCutAtTheNfsPortAndTheTunnelKeepsServing() throws Exception {
        start(RpcIntake.Limits.defaults());
        ThrowawayPki pki = ThrowawayPki.create();
        try (TunnelServer front = TunnelServer.builder()
                     .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .backend(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()))
                     .credentials(pki::node)
                     .start();
             TunnelClient tunnel = TunnelClient.builder()
                     .node("127.0.0.1", front.port())
                     .credentials(pki::mount)
                     .nodeVerification(NodeVerification.nodeId(ThrowawayPki.NODE_ID))
                     .listenPort(0)
                     .start()) {
            byte[] fragment = new byte[4 + MIB];
            System.arraycopy(marker(MIB, false), 0, fragment, 0, 4);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), tunnel.port())) {
                long sent = sendUntilClosed(socket, fragment, 512);
                assertThat(sent).as("cut within a few fragments (what the relays buffer), not after 512")
                        .isBetween(0L, 64L * fragment.length);
            }
            assertThat(closed("record-too-large")).isEqualTo(1);
            try (RpcTestClient client = new RpcTestClient(tunnel.port())) {
                assertThat(client.call(NFS, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
            }
        }
    }

    @Test
    void aCalledBackClientWhoseReplyAnnouncesAHugeRecordIsCutOff() throws Exception {
        try (ServerSocket lockd = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                try (Socket call = lockd.accept()) {
                    call.getInputStream().read(new byte[4096]); // the call
                    call.getOutputStream().write(marker(0x7fffffffL, false));
                    long more = sendUntilClosed(call, new byte[MIB], 1024);
                    return more < 0 ? Long.MAX_VALUE : more;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), lockd.getLocalPort());
            assertThatThrownBy(() -> RpcCalls.call(at, 100021, 4, 0, out -> { },
                    in -> null, Duration.ofSeconds(20))).isInstanceOf(IOException.class);
            assertThat(sent.get(30, TimeUnit.SECONDS)).as("bytes the client sent before the node hung up")
                    .isLessThan(64L * MIB);
        }
    }
}
