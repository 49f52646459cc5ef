package dev.regatta.tunnel.portmap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Answers ONC RPC calls (RFC 5531) to the portmapper (program 100000, RFC 1833): version 2 (PMAP: NULL, SET, UNSET,
 * GETPORT, DUMP) and versions 3 and 4 (RPCBIND: NULL, SET, UNSET, GETADDR, DUMP, GETTIME, and v4's GETVERSADDR). Every
 * program it knows is served by one TCP port, the tunnel's; it registers nothing (SET and UNSET answer false).
 * A call too short or malformed to have an XID, or that is not a call, gets no answer; one with bad arguments gets
 * GARBAGE_ARGS. Nothing here throws on what a peer sends.
 */
final class PortmapCalls {

    static final int PROGRAM = 100000;
    /** Where clients reach the portmapper: port 111 of the mount's address, redirected here. */
    static final int WELL_KNOWN_PORT = 111;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    /** A program and version served on the tunnel's TCP port. */
    record Service(int program, int version, String name) {
    }

    /** NFS v3, MOUNT v3, NLM v4 (NFSv3's lock manager), NSM v1 (the status monitor, for SM_NOTIFY). */
    static final List<Service> SERVICES = List.of(
            new Service(100003, 3, "nfs"), new Service(100005, 3, "mountd"),
            new Service(100021, 4, "nlockmgr"), new Service(100024, 1, "status"));

    private static final int CALL = 0;
    private static final int REPLY = 1;
    private static final int MSG_ACCEPTED = 0;
    private static final int MSG_DENIED = 1;
    private static final int RPC_MISMATCH = 0;
    private static final int SUCCESS = 0;
    private static final int PROG_UNAVAIL = 1;
    private static final int PROG_MISMATCH = 2;
    private static final int PROC_UNAVAIL = 3;
    private static final int GARBAGE_ARGS = 4;
    private static final int MAX_AUTH_BYTES = 400;
    private static final int MAX_STRING = 1024;

    private final Inet4Address address;
    private final int servicePort;

    /**
     * @param address     the address the services listen on, for universal addresses
     * @param servicePort the TCP port of every service: the tunnel's
     */
    PortmapCalls(Inet4Address address, int servicePort) {
        this.address = address;
        this.servicePort = servicePort;
    }

    /**
     * The port of a program, version and protocol; 0 when not served. The services are on the tunnel's TCP port
     * (never UDP); the portmapper itself is where clients reach it, port 111 of the mount's address (the netfilter
     * rule sends that here), as rpcinfo expects.
     */
    int port(int program, int version, int protocol) {
        if (program == PROGRAM && version >= 2 && version <= 4) {
            return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP ? WELL_KNOWN_PORT : 0;
        }
        if (protocol != IPPROTO_TCP) {
            return 0;
        }
        return SERVICES.stream().anyMatch(s -> s.program() == program && s.version() == version) ? servicePort : 0;
    }

    /** The universal address ({@code h1.h2.h3.h4.p1.p2}) of a program and version over a netid; "" when not served. */
    String universalAddress(int program, int version, String netid) {
        int protocol = "tcp".equals(netid) ? IPPROTO_TCP : "udp".equals(netid) ? IPPROTO_UDP : 0;
        int port = protocol == 0 ? 0 : port(program, version, protocol);
        return port == 0 ? "" : universalAddress(port);
    }

    private String universalAddress(int port) {
        return address.getHostAddress() + "." + (port >> 8) + "." + (port & 0xff);
    }

    /** The reply to one call (the call's bytes, without record marking), or empty to drop it. */
    Optional<ByteBuf> answer(ByteBuf call, ByteBufAllocator allocator) {
        if (call.readableBytes() < 8) {
            return Optional.empty();
        }
        int xid = call.readInt();
        if (call.readInt() != CALL) {
            return Optional.empty();
        }
        ByteBuf reply = allocator.buffer(128);
        reply.writeInt(xid).writeInt(REPLY);
        try {
            if (call.readableBytes() < 16) {
                return drop(reply);
            }
            int rpcVersion = call.readInt();
            int program = call.readInt();
            int version = call.readInt();
            int procedure = call.readInt();
            skipAuth(call);
            skipAuth(call);
            if (rpcVersion != 2) {
                reply.writeInt(MSG_DENIED).writeInt(RPC_MISMATCH).writeInt(2).writeInt(2);
                return Optional.of(reply);
            }
            reply.writeInt(MSG_ACCEPTED).writeInt(0).writeInt(0); // verifier AUTH_NONE, no body
            if (program != PROGRAM) {
                reply.writeInt(PROG_UNAVAIL);
            } else if (version < 2 || version > 4) {
                reply.writeInt(PROG_MISMATCH).writeInt(2).writeInt(4);
            } else {
                int start = reply.writerIndex();
                reply.writeInt(SUCCESS);
                try {
                    if (!(version == 2 ? pmap(procedure, call, reply) : rpcbind(version, procedure, call, reply))) {
                        reply.writerIndex(start).writeInt(PROC_UNAVAIL);
                    }
                } catch (Malformed | IndexOutOfBoundsException e) {
                    reply.writerIndex(start).writeInt(GARBAGE_ARGS);
                }
            }
            return Optional.of(reply);
        } catch (Malformed | IndexOutOfBoundsException e) {
            return drop(reply); // no complete call header: nothing to answer
        }
    }

    private static Optional<ByteBuf> drop(ByteBuf reply) {
        reply.release();
        return Optional.empty();
    }

    /** PMAP v2. @return false for a procedure it does not have */
    private boolean pmap(int procedure, ByteBuf call, ByteBuf reply) {
        switch (procedure) {
            case 0 -> { }                                   // NULL
            case 1, 2 -> {                                  // SET, UNSET: nothing is registered here
                readInts(call, 4);
                reply.writeInt(0);
            }
            case 3 -> {                                     // GETPORT(prog, vers, prot, port)
                int[] mapping = readInts(call, 4);
                reply.writeInt(port(mapping[0], mapping[1], mapping[2]));
            }
            case 4 -> {                                     // DUMP
                for (int version = 2; version <= 4; version++) {
                    for (int protocol : new int[] {IPPROTO_TCP, IPPROTO_UDP}) {
                        reply.writeInt(1).writeInt(PROGRAM).writeInt(version).writeInt(protocol)
                                .writeInt(WELL_KNOWN_PORT);
                    }
                }
                for (Service service : SERVICES) {
                    reply.writeInt(1).writeInt(service.program()).writeInt(service.version()).writeInt(IPPROTO_TCP)
                            .writeInt(servicePort);
                }
                reply.writeInt(0);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** RPCBIND v3 and v4. @return false for a procedure it does not have */
    private boolean rpcbind(int version, int procedure, ByteBuf call, ByteBuf reply) {
        switch (procedure) {
            case 0 -> { }                                   // NULL
            case 1, 2 -> {                                  // SET, UNSET
                readRpcb(call);
                reply.writeInt(0);
            }
            case 3 -> {                                     // GETADDR(rpcb)
                Rpcb rpcb = readRpcb(call);
                writeString(reply, universalAddress(rpcb.program(), rpcb.version(), rpcb.netid()));
            }
            case 4 -> {                                     // DUMP
                for (int v = 2; v <= 4; v++) {
                    for (String netid : List.of("tcp", "udp")) {
                        reply.writeInt(1).writeInt(PROGRAM).writeInt(v);
                        writeString(reply, netid);
                        writeString(reply, universalAddress(WELL_KNOWN_PORT));
                        writeString(reply, "regatta");
                    }
                }
                for (Service service : SERVICES) {
                    reply.writeInt(1).writeInt(service.program()).writeInt(service.version());
                    writeString(reply, "tcp");
                    writeString(reply, universalAddress(servicePort));
                    writeString(reply, "regatta");
                }
                reply.writeInt(0);
            }
            case 6 -> reply.writeInt((int) (System.currentTimeMillis() / 1000)); // GETTIME
            case 9 -> {                                     // v4 GETVERSADDR: the exact version, as GETADDR here
                if (version != 4) {
                    return false;
                }
                Rpcb rpcb = readRpcb(call);
                writeString(reply, universalAddress(rpcb.program(), rpcb.version(), rpcb.netid()));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private record Rpcb(int program, int version, String netid) {
    }

    private static Rpcb readRpcb(ByteBuf call) {
        int program = call.readInt();
        int version = call.readInt();
        String netid = readString(call);
        readString(call); // the address
        readString(call); // the owner
        return new Rpcb(program, version, netid);
    }

    private static int[] readInts(ByteBuf call, int count) {
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = call.readInt();
        }
        return values;
    }

    private static void skipAuth(ByteBuf call) {
        call.readInt(); // flavor
        int length = call.readInt();
        if (length < 0 || length > MAX_AUTH_BYTES || padded(length) > call.readableBytes()) {
            throw new Malformed();
        }
        call.skipBytes(padded(length));
    }

    private static String readString(ByteBuf call) {
        int length = call.readInt();
        if (length < 0 || length > MAX_STRING || padded(length) > call.readableBytes()) {
            throw new Malformed();
        }
        String text = call.toString(call.readerIndex(), length, StandardCharsets.US_ASCII);
        call.skipBytes(padded(length));
        return text;
    }

    private static void writeString(ByteBuf reply, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        reply.writeInt(bytes.length).writeBytes(bytes).writeZero(padded(bytes.length) - bytes.length);
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    /** What a peer sent does not parse; never leaves this class. */
    private static final class Malformed extends RuntimeException {
        Malformed() {
            super(null, null, false, false);
        }
    }
}
