package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.fs.Wcc;
import dev.regatta.dataplane.fs.WccAttributes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * XDR of NFSv3 and MOUNTv3 (RFC 1813): bounded decoders for the argument types and encoders for the result
 * types, shared by {@link Nfs3Service} and {@link MountService}. Arguments are decoded straight from the call's
 * stream into records; results are written by small lambdas wrapped in {@link Reply}.
 */
final class Nfs3Xdr {
    private Nfs3Xdr() {
    }

    static final int NFS_PROGRAM = 100003;
    static final int NFS_V3 = 3;
    static final int MOUNT_PROGRAM = 100005;
    static final int MOUNT_V3 = 3;

    /** Size of an encoded fattr3. */
    static final int FATTR3_SIZE = 84;
    static final int MAX_PATH_BYTES = 4096;
    static final int MAX_MNT_PATH_BYTES = 1024;

    // ---- plumbing ------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Decoder<T> {
        T decode(XdrDecodingStream in) throws IOException, OncRpcException;
    }

    @FunctionalInterface
    interface Encoder {
        void encode(XdrEncodingStream out) throws IOException, OncRpcException;
    }

    /** Decodes the call's arguments with {@code decoder}; any failure means GARBAGE_ARGS. */
    static <T> T retrieve(RpcCall call, Decoder<T> decoder) throws IOException, OncRpcException {
        Decoded<T> args = new Decoded<>(decoder);
        call.retrieveCall(args);
        return args.value();
    }

    /** What a {@link Decoder} reads, as the XdrAble oncrpc4j decodes into: call arguments or a reply. */
    static final class Decoded<T> implements XdrAble {
        private final Decoder<T> decoder;
        private T value;

        Decoded(Decoder<T> decoder) {
            this.decoder = decoder;
        }

        @Override
        public void xdrDecode(XdrDecodingStream in) throws IOException, OncRpcException {
            value = decoder.decode(in);
        }

        @Override
        public void xdrEncode(XdrEncodingStream out) {
            throw new UnsupportedOperationException();
        }

        T value() {
            return value;
        }
    }

    /** A result body written by a lambda. */
    record Reply(Encoder encoder) implements XdrAble {
        static final Reply VOID = new Reply(out -> {
        });

        @Override
        public void xdrDecode(XdrDecodingStream in) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void xdrEncode(XdrEncodingStream out) throws IOException, OncRpcException {
            encoder.encode(out);
        }
    }

    /** Arguments that do not decode: the call gets GARBAGE_ARGS. */
    static final class GarbageArgs extends IOException {
        GarbageArgs(String message) {
            super(message);
        }
    }

    // ---- decoding ------------------------------------------------------------------------------------------

    /** A variable-length opaque of at most {@code max} bytes; the bytes must be in the message before allocation. */
    static byte[] opaque(XdrDecodingStream in, int max) throws IOException {
        ByteBuffer b = in.xdrDecodeByteBuffer(); // checks that the declared length is really present
        if (b.remaining() > max) {
            throw new GarbageArgs("opaque longer than " + max);
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

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

    static boolean bool(XdrDecodingStream in) throws IOException {
        int v = in.xdrDecodeInt();
        if (v != 0 && v != 1) {
            throw new GarbageArgs("bad bool " + v);
        }
        return v == 1;
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

    /** A strict UTF-8 decoding; null when the bytes are not UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
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

    /** Bytes of an XDR opaque/string of {@code len} bytes: length word plus padded data. */
    static int opaqueSize(int len) {
        return 4 + ((len + 3) & ~3);
    }
}
