package dev.regatta.dataplane.nfs;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A hand-rolled ONC RPC client over TCP (record marking, AUTH_SYS), so tests can also send malformed calls. */
public final class RpcTestClient implements AutoCloseable {

    public static final int ACCEPTED = 0;
    public static final int SUCCESS = 0;
    public static final int PROG_MISMATCH = 2;
    public static final int PROC_UNAVAIL = 3;
    public static final int GARBAGE_ARGS = 4;

    /** XDR encoder for arguments. */
    public static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream data = new DataOutputStream(bytes);

        public Out i(int v) {
            try {
                data.writeInt(v);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return this;
        }

        public Out l(long v) {
            return i((int) (v >>> 32)).i((int) v);
        }

        public Out opaque(byte[] b) {
            i(b.length);
            bytes.writeBytes(b);
            bytes.writeBytes(new byte[(4 - b.length % 4) % 4]);
            return this;
        }

        public Out str(String s) {
            return opaque(s.getBytes(StandardCharsets.UTF_8));
        }

        /** An sattr3 that sets nothing except, optionally, the mode. */
        public Out sattr(Integer mode) {
            if (mode == null) {
                i(0);
            } else {
                i(1).i(mode);
            }
            return i(0).i(0).i(0).i(0).i(0);
        }

        public byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    /** XDR decoder over a reply body. */
    public static final class In {
        final ByteBuffer b;

        In(ByteBuffer b) {
            this.b = b;
        }

        public int i() {
            return b.getInt();
        }

        public long l() {
            return b.getLong();
        }

        public boolean bool() {
            return b.getInt() != 0;
        }

        public byte[] opaque() {
            byte[] v = new byte[b.getInt()];
            b.get(v);
            b.position(b.position() + (4 - v.length % 4) % 4);
            return v;
        }

        public String str() {
            return new String(opaque(), StandardCharsets.UTF_8);
        }

        /** A fattr3 as {type, size, fileid}. */
        public long[] fattr() {
            int type = i();
            b.position(b.position() + 16); // mode nlink uid gid
            long size = l();
            b.position(b.position() + 8 + 8 + 8); // used rdev fsid
            long fileId = l();
            b.position(b.position() + 24);
            return new long[] {type, size, fileId};
        }

        public long[] postOp() {
            return bool() ? fattr() : null;
        }

        public void wcc() {
            if (bool()) {
                b.position(b.position() + 24);
            }
            postOp();
        }

        public boolean done() {
            return !b.hasRemaining();
        }
    }

    public record Reply(int replyStat, int acceptStat, int low, int high, In body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int xid = 1000;
    public int uid = 1000;

    public RpcTestClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public Reply call(int prog, int vers, int proc, Out args) throws IOException {
        return call(prog, vers, proc, args.toBytes());
    }

    public Reply call(int prog, int vers, int proc, byte[] args) throws IOException {
        int id = ++xid;
        Out cred = new Out().i(0).str("test").i(uid).i(uid).i(1).i(uid);
        Out msg = new Out().i(id).i(0).i(2).i(prog).i(vers).i(proc).i(1).opaque(cred.toBytes()).i(0).i(0);
        msg.bytes.writeBytes(args);
        byte[] m = msg.toBytes();
        out.write(ByteBuffer.allocate(4).putInt(0x80000000 | m.length).array());
        out.write(m);
        out.flush();
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        boolean last;
        do {
            int mark = in.readInt();
            last = mark < 0;
            byte[] frag = new byte[mark & 0x7fffffff];
            in.readFully(frag);
            reply.writeBytes(frag);
        } while (!last);
        In r = new In(ByteBuffer.wrap(reply.toByteArray()));
        if (r.i() != id || r.i() != 1) {
            throw new IOException("bad reply header");
        }
        int replyStat = r.i();
        if (replyStat != ACCEPTED) {
            return new Reply(replyStat, -1, 0, 0, r);
        }
        r.i();
        r.opaque(); // verifier
        int accept = r.i();
        if (accept == PROG_MISMATCH) {
            return new Reply(replyStat, accept, r.i(), r.i(), r);
        }
        return new Reply(replyStat, accept, 0, 0, r);
    }

    /** This client's end of the connection: the remote address the server sees. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
