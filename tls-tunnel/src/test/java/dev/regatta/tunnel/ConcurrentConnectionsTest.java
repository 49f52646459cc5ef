package dev.regatta.tunnel;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a mount with {@code nconnect=N} does to the tunnel: the NFS client opens N TCP connections to the client
 * end's one port at once and spreads its calls over them. Each local connection must get its own TLS connection and
 * its own backend connection, and the replies on each must be the ones to that connection's calls, however the
 * connections interleave.
 */
class ConcurrentConnectionsTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final int CONNECTIONS = 4;
    private static final int CALLS_PER_CONNECTION = 64;
    private static final int IN_FLIGHT = 4;
    /** ONC RPC record marking: the high bit of a fragment header marks the record's last fragment. */
    private static final int LAST_FRAGMENT = 0x80000000;

    @Test
    void eachOfSeveralConcurrentLocalConnectionsGetsTheRepliesToItsOwnCalls() throws Exception {
        RecordingListener listener = new RecordingListener();
        CountDownLatch allConnected = new CountDownLatch(CONNECTIONS);
        try (TestBackend backend = new TestBackend(socket -> {
                 allConnected.countDown();
                 serveRecords(socket);
             });
             TunnelServer server = Tunnels.server(backend, CA.node(Tunnels.NODE_ID).issue().trusting(CA), listener,
                     Admission.admitAll());
             TunnelClient client = Tunnels.client(server.port(), CA.client("mount-1").issue().trusting(CA),
                     Tunnels.NODE_ID)) {
            List<Socket> sockets = new ArrayList<>();
            // A writer and a reader for each connection, all at once.
            ExecutorService threads = Executors.newFixedThreadPool(2 * CONNECTIONS);
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    sockets.add(Tunnels.connect(client));
                }
                // A null call on each, so that every connection is tunnelled before the load starts.
                for (int i = 0; i < CONNECTIONS; i++) {
                    nullCall(sockets.get(i), xid(i, 0));
                }
                assertThat(allConnected.await(20, TimeUnit.SECONDS)).isTrue();
                assertThat(client.openConnections()).isEqualTo(CONNECTIONS);
                assertThat(server.connections()).hasSize(CONNECTIONS)
                        .allSatisfy(c -> assertThat(c.identity().mountId()).isEqualTo("mount-1"));
                assertThat(listener.opened).extracting(RecordingListener.Event::backendLocalAddress)
                        .doesNotHaveDuplicates().hasSize(CONNECTIONS)
                        .containsExactlyInAnyOrderElementsOf(backend.acceptedFrom());

                CyclicBarrier start = new CyclicBarrier(CONNECTIONS);
                List<Future<Integer>> runs = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    int connection = i;
                    Socket socket = sockets.get(i);
                    runs.add(threads.submit(() -> exchange(socket, connection, start, threads)));
                }
                for (Future<Integer> run : runs) {
                    assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(CALLS_PER_CONNECTION);
                }
            } finally {
                threads.shutdownNow();
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            Await.until("every connection closed at both ends",
                    () -> client.openConnections() == 0 && listener.closed.size() == CONNECTIONS);
            assertThat(server.connections()).isEmpty();
            assertThat(backend.failures()).isEmpty();
        }
    }

    /** A transaction ID that names its connection, so that a reply that went astray is seen. */
    private static int xid(int connection, int call) {
        return (connection + 1) << 24 | call;
    }

    /**
     * Calls of varied sizes, {@link #IN_FLIGHT} outstanding at once, each call's record sent in two fragments, each
     * flushed on its own, so that the connections' records interleave in the tunnel; checks each reply as it comes. Returns how many calls got their reply.
     */
    private static int exchange(Socket socket, int connection, CyclicBarrier start, ExecutorService threads) {
        try {
            start.await(20, TimeUnit.SECONDS);
            BlockingQueue<int[]> outstanding = new LinkedBlockingQueue<>();
            Semaphore slots = new Semaphore(IN_FLIGHT);
            Future<Integer> replies = threads.submit(() -> {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                for (int i = 0; i < CALLS_PER_CONNECTION; i++) {
                    int[] expected = outstanding.poll(20, TimeUnit.SECONDS);
                    assertThat(expected).as("connection %d: a reply to a call it did not make", connection)
                            .isNotNull();
                    byte[] reply = readRecord(in);
                    assertThat(reply).as("connection %d, reply to xid %x", connection, expected[0])
                            .isEqualTo(replyTo(expected[0], expected[1]));
                    slots.release();
                }
                return CALLS_PER_CONNECTION;
            });
            Random random = new Random(connection);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            for (int i = 1; i <= CALLS_PER_CONNECTION; i++) {
                slots.acquire();
                int xid = xid(connection, i);
                int replyBytes = 1 + random.nextInt(256 * 1024);
                outstanding.add(new int[] {xid, replyBytes});
                byte[] body = new byte[1 + random.nextInt(2048)];
                random.nextBytes(body);
                // First fragment: the XID and the reply size asked for; last fragment: the rest of the call.
                out.writeInt(8);
                out.writeInt(xid);
                out.writeInt(replyBytes);
                out.flush();
                out.writeInt(LAST_FRAGMENT | body.length);
                out.write(body);
                out.flush();
            }
            return replies.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("connection " + connection + " failed", e);
        }
    }

    /** A null call (no reply size asked for) and its reply. */
    private static void nullCall(Socket socket, int xid) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(LAST_FRAGMENT | 8);
        out.writeInt(xid);
        out.writeInt(0);
        out.flush();
        assertThat(readRecord(new DataInputStream(socket.getInputStream()))).isEqualTo(replyTo(xid, 0));
    }

    /**
     * The backend, like an NFS server: reads record-marked calls (XID, reply size, anything) and answers each with
     * one record of the XID and the bytes {@link #replyTo} makes, until the client closes.
     */
    private static void serveRecords(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        while (true) {
            byte[] call;
            try {
                call = readRecord(in);
            } catch (EOFException e) {
                return;
            }
            DataInputStream fields = new DataInputStream(new ByteArrayInputStream(call));
            byte[] reply = replyTo(fields.readInt(), fields.readInt());
            byte[] record = new byte[4 + reply.length];
            int header = LAST_FRAGMENT | reply.length;
            record[0] = (byte) (header >>> 24);
            record[1] = (byte) (header >>> 16);
            record[2] = (byte) (header >>> 8);
            record[3] = (byte) header;
            System.arraycopy(reply, 0, record, 4, reply.length);
            out.write(record);
        }
    }

    /** The reply to a call: its XID, then {@code size} bytes that depend on the XID. */
    private static byte[] replyTo(int xid, int size) {
        byte[] reply = new byte[4 + size];
        reply[0] = (byte) (xid >>> 24);
        reply[1] = (byte) (xid >>> 16);
        reply[2] = (byte) (xid >>> 8);
        reply[3] = (byte) xid;
        Arrays.fill(reply, 4, reply.length, (byte) (xid * 31 + 7));
        for (int i = 4; i < reply.length; i += 997) {
            reply[i] = (byte) (i ^ xid);
        }
        return reply;
    }

    /** One whole record, its fragments joined. */
    private static byte[] readRecord(DataInputStream in) throws IOException {
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        boolean last;
        do {
            int header = in.readInt();
            last = (header & LAST_FRAGMENT) != 0;
            byte[] fragment = new byte[header & ~LAST_FRAGMENT];
            in.readFully(fragment);
            record.writeBytes(fragment);
        } while (!last);
        return record.toByteArray();
    }
}
