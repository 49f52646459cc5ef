package dev.regatta.tunnel.client;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds the instance's own RPC services the standard way: portmapper v2 GETPORT over TCP at the machine's rpcbind
 * (127.0.0.1:111). The kernel's lock manager (lockd) and rpc.statd register there. Blocking: call it off the
 * event loops.
 */
final class LocalServices {

    private static final int PORTMAP_PROGRAM = 100000;
    private static final int PORTMAP_V2 = 2;
    private static final int GETPORT = 3;
    private static final int IPPROTO_TCP = 6;
    private static final int REPLY = 1;
    private static final int MSG_ACCEPTED = 0;
    private static final int SUCCESS = 0;
    private static final int LAST_FRAGMENT = 0x8000_0000;

    private final InetSocketAddress portmapper;
    private final Duration timeout;

    /** @param portmapper the machine's rpcbind: 127.0.0.1:111 (another port in tests) */
    LocalServices(InetSocketAddress portmapper, Duration timeout) {
        this.portmapper = portmapper;
        this.timeout = timeout;
    }

    static InetSocketAddress standardPortmapper() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 111);
    }

    InetSocketAddress portmapper() {
        return portmapper;
    }

    /**
     * The TCP address of {@code program} {@code version} on this machine.
     *
     * @throws IOException when rpcbind cannot be asked or does not know the program
     */
    InetSocketAddress locate(int program, int version) throws IOException {
        int xid = ThreadLocalRandom.current().nextInt();
        ByteBuffer call = ByteBuffer.allocate(4 + 56)
                .putInt(LAST_FRAGMENT | 56)
                .putInt(xid).putInt(0).putInt(2).putInt(PORTMAP_PROGRAM).putInt(PORTMAP_V2).putInt(GETPORT)
                .putInt(0).putInt(0) // AUTH_NONE credentials
                .putInt(0).putInt(0) // AUTH_NONE verifier
                .putInt(program).putInt(version).putInt(IPPROTO_TCP).putInt(0);
        try (Socket socket = new Socket()) {
            int millis = (int) Math.max(1, timeout.toMillis());
            socket.connect(portmapper, millis);
            socket.setSoTimeout(millis);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.write(call.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int mark = in.readInt();
            int length = mark & ~LAST_FRAGMENT;
            if (length < 28 || length > 1024) {
                throw new IOException("rpcbind at " + portmapper + " sent a reply of " + length + " bytes");
            }
            DataInputStream reply = new DataInputStream(new ByteArrayInputStream(in.readNBytes(length)));
            if (reply.readInt() != xid || reply.readInt() != REPLY || reply.readInt() != MSG_ACCEPTED) {
                throw new IOException("rpcbind at " + portmapper + " refused GETPORT");
            }
            reply.readInt(); // verifier flavour
            reply.skipNBytes(reply.readInt());
            if (reply.readInt() != SUCCESS) {
                throw new IOException("rpcbind at " + portmapper + " did not answer GETPORT");
            }
            int port = reply.readInt();
            if (port <= 0 || port > 65535) {
                throw new IOException("no program " + program + " v" + version + " over TCP is registered with "
                        + "rpcbind at " + portmapper + " (is the lock manager or rpc.statd running?)");
            }
            return new InetSocketAddress(portmapper.getAddress(), port);
        } catch (EOFException e) {
            throw new IOException("rpcbind at " + portmapper + " closed the connection before it answered", e);
        }
    }
}
