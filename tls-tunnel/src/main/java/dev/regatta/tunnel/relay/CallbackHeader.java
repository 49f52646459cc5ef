package dev.regatta.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Optional;

/**
 * What the node sends first on a callback line ({@code regatta-callback/1}), inside {@link StreamFraming}: the ONC
 * RPC program and version it calls, 4 bytes each, big-endian. The instance connects the line to that service on its
 * own machine; the bytes after the header are the calls themselves.
 *
 * <p>Only the lock services are reachable this way, so a node cannot open connections to arbitrary services of the
 * instance: NLM v4 (100021: GRANTED and the replies to asynchronous calls) and NSM v1 (100024: SM_NOTIFY after the
 * node restarted).
 */
public record CallbackHeader(int program, int version) {

    public static final int BYTES = 8;
    public static final int NLM_PROGRAM = 100021;
    public static final int NLM_V4 = 4;
    public static final int NSM_PROGRAM = 100024;
    public static final int NSM_V1 = 1;

    /** Whether the instance lets the node call this service. */
    public boolean allowed() {
        return (program == NLM_PROGRAM && version == NLM_V4) || (program == NSM_PROGRAM && version == NSM_V1);
    }

    public ByteBuf encode(ByteBufAllocator allocator) {
        return allocator.buffer(BYTES).writeInt(program).writeInt(version);
    }

    /** Reads a header from {@code in} once it holds {@link #BYTES}; empty (and nothing read) before that. */
    public static Optional<CallbackHeader> read(ByteBuf in) {
        if (in.readableBytes() < BYTES) {
            return Optional.empty();
        }
        return Optional.of(new CallbackHeader(in.readInt(), in.readInt()));
    }

    @Override
    public String toString() {
        String name = program == NLM_PROGRAM ? "NLM" : program == NSM_PROGRAM ? "NSM" : "program " + program;
        return name + " v" + version;
    }
}
