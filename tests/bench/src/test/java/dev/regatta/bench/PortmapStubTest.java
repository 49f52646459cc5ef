package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The bench's portmapper for the replicated system, asked over TCP as the NFS client library asks it (a GETPORT call
 * in one record-marked fragment, AUTH_NONE), on a free port rather than 111.
 */
class PortmapStubTest {

    private static final int LEADER_PORT = 41234;

    /** An RPC call to the portmapper: xid, CALL, RPC 2, program 100000 v2, the procedure, AUTH_NONE twice, args. */
    private static byte[] call(int xid, int procedure, int... args) {
        ByteBuffer b = ByteBuffer.allocate(40 + 4 * args.length).putInt(xid).putInt(0).putInt(2)
                .putInt(PortmapStub.PORTMAP).putInt(2).putInt(procedure).putInt(0).putInt(0).putInt(0).putInt(0);
        for (int a : args) {
            b.putInt(a);
        }
        return b.array();
    }

    /** Sends each call as one record on one connection; the replies' words after the xid, REPLY and verifier. */
    private static int[][] ask(PortmapStub stub, byte[]... calls) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), stub.port())) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int[][] replies = new int[calls.length][];
            for (int c = 0; c < calls.length; c++) {
                out.write(ByteBuffer.allocate(4 + calls[c].length).putInt(0x8000_0000 | calls[c].length).put(calls[c]).array());
                out.flush();
                int length = in.readInt() & 0x7fff_ffff;
                ByteBuffer reply = ByteBuffer.allocate(length);
                in.readFully(reply.array());
                assertThat(reply.getInt()).as("xid").isEqualTo(ByteBuffer.wrap(calls[c]).getInt());
                assertThat(reply.getInt()).as("REPLY").isEqualTo(1);
                assertThat(reply.getInt()).as("MSG_ACCEPTED").isEqualTo(0);
                assertThat(reply.getLong()).as("AUTH_NONE verifier").isZero();
                int[] words = new int[reply.remaining() / 4];
                for (int i = 0; i < words.length; i++) {
                    words[i] = reply.getInt();
                }
                replies[c] = words;
            }
            return replies;
        }
    }

    @Test
    void getportOfNfsAndMountVersion3OverTcpAnswersTheLeadersNfsPort() throws IOException {
        try (PortmapStub stub = new PortmapStub(0, LEADER_PORT)) {
            int[][] replies = ask(stub,
                    call(7, PortmapStub.GETPORT, PortmapStub.MOUNT, 3, PortmapStub.TCP, 0),
                    call(8, PortmapStub.GETPORT, PortmapStub.NFS, 3, PortmapStub.TCP, 0));

            assertThat(replies[0]).containsExactly(0, LEADER_PORT); // SUCCESS, the port
            assertThat(replies[1]).containsExactly(0, LEADER_PORT);
            assertThat(stub.getports()).isEqualTo(2);
        }
    }

    @Test
    void getportOfAProgramItDoesNotKnowAnswersZero() throws IOException {
        try (PortmapStub stub = new PortmapStub(0, LEADER_PORT)) {
            int[][] replies = ask(stub,
                    call(1, PortmapStub.GETPORT, 100_021, 4, PortmapStub.TCP, 0), // NLM
                    call(2, PortmapStub.GETPORT, PortmapStub.NFS, 4, PortmapStub.TCP, 0),
                    call(3, PortmapStub.GETPORT, PortmapStub.NFS, 3, 17, 0)); // over UDP

            assertThat(replies).isDeepEqualTo(new int[][] {{0, 0}, {0, 0}, {0, 0}}); // SUCCESS, port 0 each
        }
    }

    @Test
    void afterARestartItAnswersTheNewLeadersPort() throws IOException {
        try (PortmapStub stub = new PortmapStub(0, LEADER_PORT)) {
            stub.answer(LEADER_PORT + 1);

            assertThat(ask(stub, call(9, PortmapStub.GETPORT, PortmapStub.NFS, 3, PortmapStub.TCP, 0))[0])
                    .containsExactly(0, LEADER_PORT + 1);
        }
    }

    @Test
    void nullIsAnsweredAndOtherProceduresAreUnavailable() throws IOException {
        try (PortmapStub stub = new PortmapStub(0, LEADER_PORT)) {
            int[][] replies = ask(stub, call(4, PortmapStub.NULL), call(5, 4)); // DUMP

            assertThat(replies[0]).containsExactly(0); // SUCCESS, void
            assertThat(replies[1]).containsExactly(3); // PROC_UNAVAIL
        }
    }

    @Test
    void aCallSplitIntoFragmentsIsJoinedBeforeItIsAnswered() throws IOException {
        try (PortmapStub stub = new PortmapStub(0, LEADER_PORT);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), stub.port())) {
            byte[] c = call(11, PortmapStub.GETPORT, PortmapStub.NFS, 3, PortmapStub.TCP, 0);
            s.getOutputStream().write(ByteBuffer.allocate(8 + c.length).putInt(20).put(c, 0, 20)
                    .putInt(0x8000_0000 | (c.length - 20)).put(c, 20, c.length - 20).array());
            DataInputStream in = new DataInputStream(s.getInputStream());
            ByteBuffer reply = ByteBuffer.allocate(in.readInt() & 0x7fff_ffff);
            in.readFully(reply.array());

            assertThat(reply.getInt(0)).as("xid").isEqualTo(11);
            assertThat(reply.getInt(reply.capacity() - 4)).isEqualTo(LEADER_PORT);
        }
    }
}
