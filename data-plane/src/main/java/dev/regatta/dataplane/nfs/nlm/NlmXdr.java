package dev.regatta.dataplane.nfs.nlm;

import static dev.regatta.dataplane.nfs.rpc.Xdr.bool;
import static dev.regatta.dataplane.nfs.rpc.Xdr.opaque;

import dev.regatta.dataplane.nfs.rpc.Xdr.GarbageArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * XDR of the Network Lock Manager v4 (program 100021, X/Open XNFS, chapter 10 and RFC 1813's appendix) and of the
 * one NSM procedure the node serves and sends (program 100024 v1, SM_NOTIFY), plus portmap's GETPORT for finding a
 * client's services. Bounded decoders for the argument types, encoders for the results; the records here never
 * leave the {@code nfs.nlm} package.
 */
final class NlmXdr {
    private NlmXdr() {
    }

    static final int NLM_PROGRAM = 100021;
    static final int NLM_V4 = 4;
    static final int NSM_PROGRAM = 100024;
    static final int NSM_V1 = 1;
    static final int PORTMAP_PROGRAM = 100000;
    static final int PORTMAP_V2 = 2;
    static final int PMAPPROC_GETPORT = 3;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    // NLM v4 procedures
    static final int NULL = 0;
    static final int TEST = 1;
    static final int LOCK = 2;
    static final int CANCEL = 3;
    static final int UNLOCK = 4;
    static final int GRANTED = 5;
    static final int TEST_MSG = 6;
    static final int LOCK_MSG = 7;
    static final int CANCEL_MSG = 8;
    static final int UNLOCK_MSG = 9;
    static final int GRANTED_MSG = 10;
    static final int TEST_RES = 11;
    static final int LOCK_RES = 12;
    static final int CANCEL_RES = 13;
    static final int UNLOCK_RES = 14;
    static final int GRANTED_RES = 15;
    static final int SHARE = 20;
    static final int UNSHARE = 21;
    static final int NM_LOCK = 22;
    static final int FREE_ALL = 23;

    // NSM v1 procedures
    static final int SM_NULL = 0;
    static final int SM_NOTIFY = 6;

    /** MAXNETOBJ_SZ: cookies, file handles and owner handles. */
    static final int MAX_NETOBJ = 1024;
    /** caller_name<MAXNAMELEN> (LM_MAXSTRLEN + 1) in NLM v4; SM_MAXSTRLEN for NSM's mon_name. */
    static final int MAX_NAME = 1025;

    /** nlm4_stats. */
    enum Stat {
        GRANTED(0), DENIED(1), DENIED_NOLOCKS(2), BLOCKED(3), DENIED_GRACE_PERIOD(4), DEADLCK(5), ROFS(6),
        STALE_FH(7), FBIG(8), FAILED(9);

        final int code;

        Stat(int code) {
            this.code = code;
        }

        static Stat of(int code) {
            for (Stat s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return null;
        }

        /** The metric tag: "ok" for GRANTED, the NLM4_ name otherwise. */
        String tag() {
            return this == GRANTED ? "ok" : "NLM4_" + name();
        }
    }

    /** nlm4_lock. {@code offset} and {@code length} are unsigned 64-bit, {@code svid} unsigned 32-bit. */
    record Lock(String callerName, byte[] fh, byte[] oh, int svid, long offset, long length) {
    }

    /** nlm4_lockargs. */
    record LockArgs(byte[] cookie, boolean block, boolean exclusive, Lock lock, boolean reclaim, int state) {
    }

    /** nlm4_testargs, also the argument of GRANTED. */
    record TestArgs(byte[] cookie, boolean exclusive, Lock lock) {
    }

    /** nlm4_cancargs. */
    record CancelArgs(byte[] cookie, boolean block, boolean exclusive, Lock lock) {
    }

    /** nlm4_unlockargs. */
    record UnlockArgs(byte[] cookie, Lock lock) {
    }

    /** nlm4_share: mode is fsh4_mode (what it denies), access is fsh4_access, both bit sets of read 1, write 2. */
    record Share(String callerName, byte[] fh, byte[] oh, int mode, int access) {
    }

    /** nlm4_shareargs. */
    record ShareArgs(byte[] cookie, Share share, boolean reclaim) {
    }

    /** nlm4_notify (FREE_ALL) and NSM's stat_chge (SM_NOTIFY) have the same shape: a name and a state. */
    record Notify(String name, int state) {
    }

    /** nlm4_holder. */
    record Holder(boolean exclusive, int svid, byte[] oh, long offset, long length) {
    }

    // ---- decoding ------------------------------------------------------------------------------------------

    static byte[] netobj(XdrDecodingStream in) throws IOException {
        return opaque(in, MAX_NETOBJ);
    }

    /** A host name; not required to be valid UTF-8 (it is only compared and logged). */
    static String name(XdrDecodingStream in) throws IOException {
        return new String(opaque(in, MAX_NAME), StandardCharsets.UTF_8);
    }

    static Lock lock(XdrDecodingStream in) throws IOException {
        String caller = name(in);
        byte[] fh = netobj(in);
        byte[] oh = netobj(in);
        int svid = in.xdrDecodeInt();
        long offset = in.xdrDecodeLong();
        long length = in.xdrDecodeLong();
        return new Lock(caller, fh, oh, svid, offset, length);
    }

    static LockArgs lockArgs(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        boolean block = bool(in);
        boolean exclusive = bool(in);
        Lock lock = lock(in);
        boolean reclaim = bool(in);
        int state = in.xdrDecodeInt();
        return new LockArgs(cookie, block, exclusive, lock, reclaim, state);
    }

    static TestArgs testArgs(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        boolean exclusive = bool(in);
        return new TestArgs(cookie, exclusive, lock(in));
    }

    static CancelArgs cancelArgs(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        boolean block = bool(in);
        boolean exclusive = bool(in);
        return new CancelArgs(cookie, block, exclusive, lock(in));
    }

    static UnlockArgs unlockArgs(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        return new UnlockArgs(cookie, lock(in));
    }

    static ShareArgs shareArgs(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        String caller = name(in);
        byte[] fh = netobj(in);
        byte[] oh = netobj(in);
        int mode = in.xdrDecodeInt();
        int access = in.xdrDecodeInt();
        if (mode < 0 || mode > 3) {
            throw new GarbageArgs("bad fsh4_mode " + mode);
        }
        if (access < 0 || access > 3) {
            throw new GarbageArgs("bad fsh4_access " + access);
        }
        boolean reclaim = bool(in);
        return new ShareArgs(cookie, new Share(caller, fh, oh, mode, access), reclaim);
    }

    static Notify notify(XdrDecodingStream in) throws IOException {
        String name = name(in);
        return new Notify(name, in.xdrDecodeInt());
    }

    /** nlm4_res. */
    static Res res(XdrDecodingStream in) throws IOException {
        byte[] cookie = netobj(in);
        int code = in.xdrDecodeInt();
        Stat stat = Stat.of(code);
        if (stat == null) {
            throw new GarbageArgs("bad nlm4_stats " + code);
        }
        return new Res(cookie, stat);
    }

    /** nlm4_res. */
    record Res(byte[] cookie, Stat stat) {
    }

    // ---- encoding ------------------------------------------------------------------------------------------

    static void res(XdrEncodingStream out, byte[] cookie, Stat stat) {
        out.xdrEncodeDynamicOpaque(cookie);
        out.xdrEncodeInt(stat.code);
    }

    /** nlm4_testres: the holder only with DENIED. */
    static void testRes(XdrEncodingStream out, byte[] cookie, Stat stat, Holder holder) {
        out.xdrEncodeDynamicOpaque(cookie);
        out.xdrEncodeInt(stat.code);
        if (stat == Stat.DENIED) {
            out.xdrEncodeBoolean(holder.exclusive());
            out.xdrEncodeInt(holder.svid());
            out.xdrEncodeDynamicOpaque(holder.oh());
            out.xdrEncodeLong(holder.offset());
            out.xdrEncodeLong(holder.length());
        }
    }

    /** nlm4_shareres; the sequence is unused and 0. */
    static void shareRes(XdrEncodingStream out, byte[] cookie, Stat stat) {
        out.xdrEncodeDynamicOpaque(cookie);
        out.xdrEncodeInt(stat.code);
        out.xdrEncodeInt(0);
    }

    static void lock(XdrEncodingStream out, Lock lock) {
        out.xdrEncodeDynamicOpaque(lock.callerName().getBytes(StandardCharsets.UTF_8));
        out.xdrEncodeDynamicOpaque(lock.fh());
        out.xdrEncodeDynamicOpaque(lock.oh());
        out.xdrEncodeInt(lock.svid());
        out.xdrEncodeLong(lock.offset());
        out.xdrEncodeLong(lock.length());
    }

    /** nlm4_testargs: what GRANTED sends. */
    static void testArgs(XdrEncodingStream out, byte[] cookie, boolean exclusive, Lock lock) {
        out.xdrEncodeDynamicOpaque(cookie);
        out.xdrEncodeBoolean(exclusive);
        lock(out, lock);
    }

    /** NSM's stat_chge: SM_NOTIFY's argument. */
    static void statChange(XdrEncodingStream out, String monName, int state) {
        out.xdrEncodeDynamicOpaque(monName.getBytes(StandardCharsets.UTF_8));
        out.xdrEncodeInt(state);
    }

    /** portmap's mapping for GETPORT (the port is ignored). */
    static void mapping(XdrEncodingStream out, int program, int version, int protocol) {
        out.xdrEncodeInt(program);
        out.xdrEncodeInt(version);
        out.xdrEncodeInt(protocol);
        out.xdrEncodeInt(0);
    }
}
