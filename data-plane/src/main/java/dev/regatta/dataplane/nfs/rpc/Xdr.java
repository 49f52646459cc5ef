package dev.regatta.dataplane.nfs.rpc;

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
 * The XDR plumbing every program of the node shares (NFS, MOUNT, NLM, NSM, portmap): arguments are decoded straight
 * from the call's stream by a {@link Decoder}, bounded so that a peer cannot make the node allocate what it did not
 * send; results are written by small lambdas wrapped in {@link Reply}. Each protocol's own types live in its package
 * (Nfs3Xdr, NlmXdr); XDR never leaves {@code nfs}.
 */
public final class Xdr {
    private Xdr() {
    }

    @FunctionalInterface
    public interface Decoder<T> {
        T decode(XdrDecodingStream in) throws IOException, OncRpcException;
    }

    @FunctionalInterface
    public interface Encoder {
        void encode(XdrEncodingStream out) throws IOException, OncRpcException;
    }

    /** Decodes the call's arguments with {@code decoder}; any failure means GARBAGE_ARGS. */
    public static <T> T retrieve(RpcCall call, Decoder<T> decoder) throws IOException, OncRpcException {
        Decoded<T> args = new Decoded<>(decoder);
        call.retrieveCall(args);
        return args.value();
    }

    /** What a {@link Decoder} reads, as the XdrAble oncrpc4j decodes into: call arguments or a reply. */
    public static final class Decoded<T> implements XdrAble {
        private final Decoder<T> decoder;
        private T value;

        public Decoded(Decoder<T> decoder) {
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

        public T value() {
            return value;
        }
    }

    /** A result body written by a lambda. */
    public record Reply(Encoder encoder) implements XdrAble {
        public static final Reply VOID = new Reply(out -> {
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
    public static final class GarbageArgs extends IOException {
        public GarbageArgs(String message) {
            super(message);
        }
    }

    /**
     * A variable-length opaque of at most {@code max} bytes; the bytes must be in the message before allocation.
     * Read straight into its array: oncrpc4j's {@code xdrDecodeByteBuffer} first copies everything left in a record
     * that arrived in several buffers, so a WRITE's file handle alone cost a copy of its megabyte of data.
     */
    public static byte[] opaque(XdrDecodingStream in, int max) throws IOException {
        int length = in.xdrDecodeInt();
        if (length < 0 || length > max) {
            throw new GarbageArgs("opaque of " + Integer.toUnsignedString(length) + " bytes, longer than " + max);
        }
        if (in instanceof org.dcache.oncrpc4j.xdr.Xdr xdr && xdr.asBuffer().remaining() < length) {
            throw new GarbageArgs("opaque of " + length + " bytes in a call that ends before them");
        }
        byte[] bytes = new byte[length];
        in.xdrDecodeOpaque(bytes, 0, length); // also checks that they are there, and skips the padding
        return bytes;
    }

    public static boolean bool(XdrDecodingStream in) throws IOException {
        int v = in.xdrDecodeInt();
        if (v != 0 && v != 1) {
            throw new GarbageArgs("bad bool " + v);
        }
        return v == 1;
    }

    /** A strict UTF-8 decoding; null when the bytes are not UTF-8. */
    public static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Bytes of an XDR opaque/string of {@code len} bytes: length word plus padded data. */
    public static int opaqueSize(int len) {
        return 4 + ((len + 3) & ~3);
    }
}
