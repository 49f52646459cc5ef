package dev.regatta.tunnel.portmap;

import dev.regatta.tunnel.relay.Transport;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The portmapper over real TCP (record marking) and UDP on a loopback address other than 127.0.0.1. */
class PortmapResponderTest {

    private static final int SERVICE_PORT = 21077;
    private static final int TCP = 6;
    private static final int UDP = 17;

    private EventLoopGroup group;
    private PortmapResponder responder;
    private Inet4Address address;

    @BeforeEach
    void start() throws IOException {
        address = (Inet4Address) InetAddress.getByName("127.0.77.9");
        group = Transport.eventLoops("portmap-test", 1);
        responder = PortmapResponder.start(group, address, 0, SERVICE_PORT);
    }

    @AfterEach
    void stop() {
        responder.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void getportAnswersTheTunnelsPortForEveryServedProgramOverTcp() throws IOException {
        assertThat(responder.localAddress().getAddress()).isEqualTo(address);
        try (Socket socket = connect()) {
            assertThat(getport(socket, 100003, 3, TCP)).as("NFS 3").isEqualTo(SERVICE_PORT);
            assertThat(getport(socket, 100005, 3, TCP)).as("MOUNT 3").isEqualTo(SERVICE_PORT);
            assertThat(getport(socket, 100021, 4, TCP)).as("NLM 4").isEqualTo(SERVICE_PORT);
            assertThat(getport(socket, 100024, 1, TCP)).as("NSM 1").isEqualTo(SERVICE_PORT);
            assertThat(getport(socket, 100000, 2, TCP)).as("the portmapper, where clients reach it").isEqualTo(111);
            assertThat(getport(socket, 100000, 4, UDP)).isEqualTo(111);
            assertThat(getport(socket, 100000, 5, TCP)).isZero();
        }
    }

    @Test
    void getportAnswersZeroForUnknownProgramsVersionsAndForUdp() throws IOException {
        try (Socket socket = connect()) {
            assertThat(getport(socket, 100099, 1, TCP)).as("an unknown program").isZero();
            assertThat(getport(socket, 100021, 1, TCP)).as("NLM 1, which NFSv3 does not use").isZero();
            assertThat(getport(socket, 100003, 4, TCP)).as("NFS 4").isZero();
            assertThat(getport(socket, 100021, 4, UDP)).as("NLM 4 over UDP: the client then uses TCP").isZero();
            assertThat(getport(socket, 100024, 1, UDP)).as("NSM over UDP").isZero();
        }
    }

    @Test
    void getaddrAnswersTheUniversalAddressForTcpAndNothingForOtherNetids() throws IOException {
        String expected = "127.0.77.9." + (SERVICE_PORT >> 8) + "." + (SERVICE_PORT & 0xff);
        try (Socket socket = connect()) {
            for (int version : new int[] {3, 4}) {
                assertThat(getaddr(socket, version, 3, 100021, 4, "tcp")).isEqualTo(expected);
                assertThat(getaddr(socket, version, 3, 100024, 1, "tcp")).isEqualTo(expected);
                assertThat(getaddr(socket, version, 3, 100021, 4, "udp")).isEmpty();
                assertThat(getaddr(socket, version, 3, 100099, 1, "tcp")).isEmpty();
            }
            assertThat(getaddr(socket, 4, 9, 100003, 3, "tcp")).as("GETVERSADDR").isEqualTo(expected);
            assertThat(getaddr(socket, 3, 3, 100000, 3, "udp")).as("rpcbind itself").isEqualTo("127.0.77.9.0.111");
        }
    }

    @Test
    void nullAndDumpAnswer() throws IOException {
        try (Socket socket = connect()) {
            ByteBuffer nullReply = callTcp(socket, call(1, 100000, 2, 0, new byte[0]));
            assertThat(acceptStat(nullReply, 1)).isZero();
            assertThat(nullReply.remaining()).isZero();

            ByteBuffer dump = callTcp(socket, call(2, 100000, 2, 4, new byte[0]));
            assertThat(acceptStat(dump, 2)).isZero();
            List<List<Integer>> mappings = new ArrayList<>();
            while (dump.getInt() == 1) {
                mappings.add(List.of(dump.getInt(), dump.getInt(), dump.getInt(), dump.getInt()));
            }
            assertThat(mappings).containsExactly(List.of(100000, 2, TCP, 111), List.of(100000, 2, UDP, 111),
                    List.of(100000, 3, TCP, 111), List.of(100000, 3, UDP, 111),
                    List.of(100000, 4, TCP, 111), List.of(100000, 4, UDP, 111),
                    List.of(100003, 3, TCP, SERVICE_PORT),
                    List.of(100005, 3, TCP, SERVICE_PORT), List.of(100021, 4, TCP, SERVICE_PORT),
                    List.of(100024, 1, TCP, SERVICE_PORT));
        }
    }

    @Test
    void answersGetportOverUdpToo() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, address)) {
            socket.setSoTimeout(5000);
            byte[] call = call(77, 100000, 2, 3, ints(100021, 4, TCP, 0));
            socket.send(new DatagramPacket(call, call.length, address, responder.port()));
            DatagramPacket packet = new DatagramPacket(new byte[512], 512);
            socket.receive(packet);
            ByteBuffer reply = ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
            assertThat(acceptStat(reply, 77)).isZero();
            assertThat(reply.getInt()).isEqualTo(SERVICE_PORT);
        }
    }

    @Test
    void garbageArgumentsUnknownProceduresAndOtherProgramsGetRpcErrorsAndTheConnectionGoesOn() throws IOException {
        try (Socket socket = connect()) {
            // GETPORT with two of its four numbers
            assertThat(acceptStat(callTcp(socket, call(5, 100000, 2, 3, ints(100021, 4))), 5)).as("GARBAGE_ARGS")
                    .isEqualTo(4);
            // GETADDR whose netid claims 1 GiB
            assertThat(acceptStat(callTcp(socket, call(6, 100000, 3, 3, ints(100021, 4, 1 << 30))), 6))
                    .isEqualTo(4);
            assertThat(acceptStat(callTcp(socket, call(7, 100000, 2, 99, new byte[0])), 7)).as("PROC_UNAVAIL")
                    .isEqualTo(3);
            assertThat(acceptStat(callTcp(socket, call(8, 100003, 3, 0, new byte[0])), 8)).as("PROG_UNAVAIL")
                    .isEqualTo(1);
            ByteBuffer mismatch = callTcp(socket, call(9, 100000, 7, 0, new byte[0]));
            assertThat(acceptStat(mismatch, 9)).as("PROG_MISMATCH").isEqualTo(2);
            assertThat(List.of(mismatch.getInt(), mismatch.getInt())).containsExactly(2, 4);
            // still answering on the same connection
            assertThat(getport(socket, 100021, 4, TCP)).isEqualTo(SERVICE_PORT);
        }
    }

    @Test
    void aRecordTooShortForACallIsDroppedAndAHugeOneClosesTheConnection() throws IOException {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(0x80000000 | 3);
            out.write(new byte[] {1, 2, 3});
            out.flush();
            // no answer to that: the next call's answer is the next thing read
            assertThat(getport(socket, 100024, 1, TCP)).isEqualTo(SERVICE_PORT);
            out.writeInt(0x80000000 | (16 * 1024 * 1024));
            out.write(new byte[4096]);
            out.flush();
            assertThat(socket.getInputStream().read()).as("closed").isEqualTo(-1);
        }
        try (Socket socket = connect()) {
            assertThat(getport(socket, 100021, 4, TCP)).as("still serving").isEqualTo(SERVICE_PORT);
        }
    }

    @Test
    void aCallInTwoFragmentsIsOneCall() throws IOException {
        byte[] call = call(11, 100000, 2, 3, ints(100003, 3, TCP, 0));
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(10);
            out.write(call, 0, 10);
            out.writeInt(0x80000000 | (call.length - 10));
            out.write(call, 10, call.length - 10);
            out.flush();
            ByteBuffer reply = readRecord(socket);
            assertThat(acceptStat(reply, 11)).isZero();
            assertThat(reply.getInt()).isEqualTo(SERVICE_PORT);
        }
    }

    @Test
    void aDatagramOfGarbageIsDroppedAndTheNextOneAnswered() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, address)) {
            socket.setSoTimeout(1000);
            byte[] garbage = {9, 9, 9};
            socket.send(new DatagramPacket(garbage, garbage.length, address, responder.port()));
            assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[512], 512)))
                    .isInstanceOf(SocketTimeoutException.class);
            byte[] call = call(12, 100000, 2, 3, ints(100024, 1, TCP, 0));
            socket.send(new DatagramPacket(call, call.length, address, responder.port()));
            DatagramPacket packet = new DatagramPacket(new byte[512], 512);
            socket.receive(packet);
            ByteBuffer reply = ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
            assertThat(acceptStat(reply, 12)).isZero();
            assertThat(reply.getInt()).isEqualTo(SERVICE_PORT);
        }
    }

    @Test
    void aGivenPortThatIsTakenIsAnError() {
        assertThatThrownBy(() -> PortmapResponder.start(group, address, responder.port(), SERVICE_PORT))
                .isInstanceOf(IOException.class).hasMessageContaining("127.0.77.9:" + responder.port());
    }

    // --- a minimal ONC RPC client ---

    private Socket connect() throws IOException {
        Socket socket = new Socket(address, responder.port());
        socket.setSoTimeout(5000);
        return socket;
    }

    private static int getport(Socket socket, int program, int version, int protocol) throws IOException {
        ByteBuffer reply = callTcp(socket, call(42, 100000, 2, 3, ints(program, version, protocol, 0)));
        assertThat(acceptStat(reply, 42)).isZero();
        return reply.getInt();
    }

    private static String getaddr(Socket socket, int rpcbVersion, int procedure, int program, int version,
                                  String netid) throws IOException {
        ByteArrayOutputStream args = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(args);
        out.writeInt(program);
        out.writeInt(version);
        writeString(out, netid);
        writeString(out, "");
        writeString(out, "");
        ByteBuffer reply = callTcp(socket, call(43, 100000, rpcbVersion, procedure, args.toByteArray()));
        assertThat(acceptStat(reply, 43)).isZero();
        byte[] text = new byte[reply.getInt()];
        reply.get(text);
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.write(new byte[(4 - bytes.length % 4) % 4]);
    }

    private static byte[] call(int xid, int program, int version, int procedure, byte[] args) {
        ByteBuffer call = ByteBuffer.allocate(40 + 20 + args.length);
        call.putInt(xid).putInt(0).putInt(2).putInt(program).putInt(version).putInt(procedure);
        // AUTH_SYS credential (stamp, empty machine name, uid 0, gid 0, no groups), AUTH_NONE verifier
        call.putInt(1).putInt(20).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0);
        call.putInt(0).putInt(0);
        call.put(args);
        byte[] bytes = new byte[call.position()];
        call.flip().get(bytes);
        return bytes;
    }

    private static byte[] ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4);
        for (int value : values) {
            buffer.putInt(value);
        }
        return buffer.array();
    }

    private static ByteBuffer callTcp(Socket socket, byte[] call) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(0x80000000 | call.length);
        out.write(call);
        out.flush();
        return readRecord(socket);
    }

    private static ByteBuffer readRecord(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int header = in.readInt();
        assertThat(header & 0x80000000).as("one fragment").isNotZero();
        byte[] reply = new byte[header & 0x7fffffff];
        in.readFully(reply);
        return ByteBuffer.wrap(reply);
    }

    /** Checks the reply header (XID, REPLY, MSG_ACCEPTED, AUTH_NONE verifier) and returns accept_stat. */
    private static int acceptStat(ByteBuffer reply, int xid) {
        assertThat(reply.getInt()).as("xid").isEqualTo(xid);
        assertThat(reply.getInt()).as("REPLY").isEqualTo(1);
        assertThat(reply.getInt()).as("MSG_ACCEPTED").isZero();
        assertThat(reply.getInt()).as("verifier flavor").isZero();
        assertThat(reply.getInt()).as("verifier length").isZero();
        return reply.getInt();
    }
}
