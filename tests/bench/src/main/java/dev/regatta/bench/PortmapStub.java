package dev.regatta.bench;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal portmapper (ONC RPC program 100000 version 2 over TCP, RFC 1833's GETPORT and NULL) on 127.0.0.1, for
 * the bench's replicated system. The NFS client library the bench drives ({@code com.emc.ecs:nfs-client}) asks the
 * portmapper on port 111 of the server's host for the NFS and MOUNT ports and cannot be given them; a group's data
 * planes run without {@code --portmap} (only the leader serves, and one port 111 cannot be three members'), so the
 * bench answers for them: GETPORT of NFS (100003) or MOUNT (100005) version 3 over TCP is answered with the leader's
 * NFS port (the data plane serves MOUNT there too), GETPORT of anything else with 0 (not registered). The library
 * asks over TCP only, so there is no UDP side.
 */
final class PortmapStub implements AutoCloseable {
    static final int PORTMAP_PORT = 111;
    static final int PORTMAP = 100_000;
    static final int NFS = 100_003;
    static final int MOUNT = 100_005;
    static final int TCP = 6;
    static final int NULL = 0;
    static final int GETPORT = 3;

    private static final int CALL = 0;
    private static final int REPLY = 1;
    private static final int MSG_ACCEPTED = 0;
    private static final int SUCCESS = 0;
    private static final int PROG_UNAVAIL = 1;
    private static final int PROG_MISMATCH = 2;
    private static final int PROC_UNAVAIL = 3;
    private static final int GARBAGE_ARGS = 4;
    /** A portmap call is a few dozen bytes: a longer record is not one, and the connection is dropped. */
    private static final int MAX_RECORD = 64 * 1024;
    private static final int LAST_FRAGMENT = 0x8000_0000;

    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile int nfsPort;
    private final AtomicInteger getports = new AtomicInteger();

    /** Listens on 127.0.0.1:{@code port} (0: any free one) and answers with {@code nfsPort}. */
    PortmapStub(int port, int nfsPort) throws IOException {
        this.nfsPort = nfsPort;
        server = new ServerSocket();
        server.setReuseAddress(true); // a restarted stub must not wait for the last one's connections to time out
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread.ofPlatform().daemon().name("portmap-stub").start(this::accept);
    }

    /** The port it listens on. */
    int port() {
        return server.getLocalPort();
    }

    /** Answers with this NFS port from now on (the group's leader after a restart). */
    void answer(int nfsPort) {
        this.nfsPort = nfsPort;
    }

    /** How many GETPORT calls it has answered, of any program. */
    int getports() {
        return getports.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.add(s);
                Thread.ofPlatform().daemon().name("portmap-stub-" + s.getPort()).start(() -> serve(s));
            } catch (IOException e) {
                // closed
            }
        }
    }

    /** Answers a connection's calls, one record each, until the client closes it or sends what is not a call. */
    private void serve(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                byte[] reply = answer(ByteBuffer.wrap(readRecord(in)));
                if (reply == null) {
                    return;
                }
                out.write(ByteBuffer.allocate(4 + reply.length).putInt(LAST_FRAGMENT | reply.length).put(reply).array());
                out.flush();
            }
        } catch (EOFException e) {
            // the client closed the connection
        } catch (IOException e) {
            // the connection broke, or the stub is closing
        } finally {
            connections.remove(s);
        }
    }

    /** One RPC record: its fragments (RFC 5531 record marking) joined. */
    private static byte[] readRecord(DataInputStream in) throws IOException {
        ByteBuffer record = ByteBuffer.allocate(0);
        while (true) {
            int mark = in.readInt();
            int length = mark & ~LAST_FRAGMENT;
            if (record.capacity() + length > MAX_RECORD) {
                throw new IOException("a " + length + "-byte fragment: not a portmap call");
            }
            byte[] fragment = new byte[length];
            in.readFully(fragment);
            record = ByteBuffer.allocate(record.capacity() + length).put(record.array()).put(fragment);
            if ((mark & LAST_FRAGMENT) != 0) {
                return record.array();
            }
        }
    }

    /** The reply to one call (without its record mark), or null when the record is not a call. */
    byte[] answer(ByteBuffer call) {
        int xid;
        try {
            xid = call.getInt();
            if (call.getInt() != CALL) {
                return null;
            }
            call.getInt(); // RPC version: 2 from every client that asks a portmapper
            int program = call.getInt();
            int version = call.getInt();
            int procedure = call.getInt();
            skipAuth(call); // credential
            skipAuth(call); // verifier
            if (program != PORTMAP) {
                return accepted(xid, PROG_UNAVAIL).array();
            }
            if (version != 2) {
                return accepted(xid, PROG_MISMATCH, 2, 2).array();
            }
            return switch (procedure) {
                case NULL -> accepted(xid, SUCCESS).array();
                case GETPORT -> {
                    int asked = call.getInt();
                    int askedVersion = call.getInt();
                    int protocol = call.getInt();
                    getports.incrementAndGet();
                    boolean served = (asked == NFS || asked == MOUNT) && askedVersion == 3 && protocol == TCP;
                    yield accepted(xid, SUCCESS, served ? nfsPort : 0).array();
                }
                default -> accepted(xid, PROC_UNAVAIL).array();
            };
        } catch (BufferUnderflowException e) {
            return call.capacity() >= 4 ? accepted(call.getInt(0), GARBAGE_ARGS).array() : null;
        }
    }

    private static void skipAuth(ByteBuffer call) {
        call.getInt(); // flavour
        int padded = call.getInt() + 3 & ~3; // XDR opaque: its length, then the bytes padded to a multiple of 4
        if (padded < 0 || padded > call.remaining()) {
            throw new BufferUnderflowException();
        }
        call.position(call.position() + padded);
    }

    /** An accepted reply: AUTH_NONE verifier, the status, then these words. */
    private static ByteBuffer accepted(int xid, int status, int... words) {
        ByteBuffer b = ByteBuffer.allocate(24 + 4 * words.length).putInt(xid).putInt(REPLY).putInt(MSG_ACCEPTED)
                .putInt(0).putInt(0).putInt(status);
        for (int w : words) {
            b.putInt(w);
        }
        return b;
    }

    /** Stops listening and ends the connections it holds. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
