package dev.regatta.dataplane.nfs.v3;

import static dev.regatta.dataplane.nfs.rpc.Xdr.bool;
import static dev.regatta.dataplane.nfs.rpc.Xdr.opaque;

import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.fs.Wcc;
import dev.regatta.dataplane.fs.WccAttributes;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.rpc.Xdr.GarbageArgs;
import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * XDR of NFSv3 (RFC 1813): bounded decoders for the argument types and encoders for the result types of
 * {@link Nfs3Program}, on the shared plumbing of {@link Xdr}.
 */
final class Nfs3Xdr {
    private Nfs3Xdr() {
    }


    /** Size of an encoded fattr3. */
    static final int FATTR3_SIZE = 84;
    static final int MAX_PATH_BYTES = 4096;

    // ---- decoding ------------------------------------------------------------------------------------------

    /** nfs_fh3; a too-long handle is decoded (it is in the message) and later refused as BADHANDLE. */
    static byte[] handle(XdrDecodingStream in) throws IOException {
        return opaque(in, 1 << 16);
    }

    /** filename3/nfspath3 as raw bytes; checked for content and length later, with a proper status. */
    static byte[] name(XdrDecodingStream in) throws IOException {
        return opaque(in, 1 << 20);
    }

    static int uint32(XdrDecodingStream in) throws IOException {
        return in.xdrDecodeInt();
    }

    static long uint64(XdrDecodingStream in) throws IOException {
        return in.xdrDecodeLong();
    }

    /** nfstime3 as nanoseconds since the epoch (seconds are unsigned). */
    static long time(XdrDecodingStream in) throws IOException {
        long seconds = Integer.toUnsignedLong(in.xdrDecodeInt());
        long nanos = Integer.toUnsignedLong(in.xdrDecodeInt());
        if (nanos >= 1_000_000_000L) {
            throw new GarbageArgs("nseconds out of range");
        }
        return seconds * 1_000_000_000L + nanos;
    }

    static SetAttributes sattr3(XdrDecodingStream in) throws IOException {
        Integer mode = bool(in) ? in.xdrDecodeInt() & 07777 : null;
        Integer uid = bool(in) ? in.xdrDecodeInt() : null;
        Integer gid = bool(in) ? in.xdrDecodeInt() : null;
        Long size = bool(in) ? in.xdrDecodeLong() : null;
        SetAttributes.TimeChange atime = timeHow(in);
        SetAttributes.TimeChange mtime = timeHow(in);
        return new SetAttributes(mode, uid, gid, size, atime, mtime);
    }

    private static SetAttributes.TimeChange timeHow(XdrDecodingStream in) throws IOException {
        int how = in.xdrDecodeInt();
        return switch (how) {
            case 0 -> null; // DONT_CHANGE
            case 1 -> SetAttributes.TimeChange.now(); // SET_TO_SERVER_TIME
            case 2 -> SetAttributes.TimeChange.at(time(in)); // SET_TO_CLIENT_TIME
            default -> throw new GarbageArgs("bad time_how " + how);
        };
    }

    /** A filename3: empty, '/' or NUL or non-UTF-8 → INVAL; over 255 bytes → NAMETOOLONG. */
    static String checkName(byte[] raw) throws FsException {
        if (raw.length == 0) {
            throw new FsException(FsError.INVAL, "empty name");
        }
        if (raw.length > VirtualFileSystem.MAX_NAME_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "name of " + raw.length + " bytes");
        }
        for (byte b : raw) {
            if (b == 0 || b == '/') {
                throw new FsException(FsError.INVAL, "name contains '/' or NUL");
            }
        }
        String s = Xdr.utf8(raw);
        if (s == null) {
            throw new FsException(FsError.INVAL, "name is not UTF-8");
        }
        return s;
    }

    /** A symlink's nfspath3: NUL or non-UTF-8 → INVAL; over MAX_PATH_BYTES → NAMETOOLONG. */
    static String checkPath(byte[] raw) throws FsException {
        if (raw.length > MAX_PATH_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "symlink target of " + raw.length + " bytes");
        }
        for (byte b : raw) {
            if (b == 0) {
                throw new FsException(FsError.INVAL, "symlink target contains NUL");
            }
        }
        String s = Xdr.utf8(raw);
        if (s == null) {
            throw new FsException(FsError.INVAL, "symlink target is not UTF-8");
        }
        return s;
    }

    // ---- encoding ------------------------------------------------------------------------------------------

    static void time(XdrEncodingStream out, long nanos) {
        out.xdrEncodeInt((int) Math.floorDiv(nanos, 1_000_000_000L));
        out.xdrEncodeInt((int) Math.floorMod(nanos, 1_000_000_000L));
    }

    static void fattr3(XdrEncodingStream out, Attributes a) {
        out.xdrEncodeInt(a.type().code());
        out.xdrEncodeInt(a.mode() & 07777);
        out.xdrEncodeInt(a.nlink());
        out.xdrEncodeInt(a.uid());
        out.xdrEncodeInt(a.gid());
        out.xdrEncodeLong(a.size());
        out.xdrEncodeLong(a.used());
        out.xdrEncodeInt(a.rdevMajor());
        out.xdrEncodeInt(a.rdevMinor());
        out.xdrEncodeLong(a.fsid());
        out.xdrEncodeLong(a.fileId());
        time(out, a.atimeNanos());
        time(out, a.mtimeNanos());
        time(out, a.ctimeNanos());
    }

    static void postOpAttr(XdrEncodingStream out, Attributes a) {
        out.xdrEncodeBoolean(a != null);
        if (a != null) {
            fattr3(out, a);
        }
    }

    static void preOpAttr(XdrEncodingStream out, WccAttributes w) {
        out.xdrEncodeBoolean(w != null);
        if (w != null) {
            out.xdrEncodeLong(w.size());
            time(out, w.mtimeNanos());
            time(out, w.ctimeNanos());
        }
    }

    static void wccData(XdrEncodingStream out, Wcc wcc) {
        preOpAttr(out, wcc == null ? null : wcc.before());
        postOpAttr(out, wcc == null ? null : wcc.after());
    }

    static void postOpFh(XdrEncodingStream out, byte[] handle) {
        out.xdrEncodeBoolean(handle != null);
        if (handle != null) {
            out.xdrEncodeDynamicOpaque(handle);
        }
    }
}
