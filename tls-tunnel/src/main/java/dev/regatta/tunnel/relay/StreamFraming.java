package dev.regatta.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.ReferenceCountUtil;

/**
 * The tunnel's own framing inside TLS: each chunk of the relayed byte stream is sent as a 4-byte big-endian length
 * and that many bytes, and a zero length ends the sender's stream (a half-close). TLS's {@code close_notify} then
 * only ever means "this connection is over": BoringSSL's engine in Netty tears down both directions when it
 * receives one, so a half-close carried by {@code close_notify} would cut off the reply a client still waits for.
 * Decoding streams: a chunk's bytes are passed on as they arrive, never gathered into whole frames first.
 * <p>
 * Sits right after the {@code SslHandler}: writes of {@link ByteBuf}s become frames, a write of
 * {@link #END_OF_STREAM} becomes the end marker; what is read comes out as the chunks' bytes and, at the marker,
 * the user event {@link #END_OF_STREAM}.
 */
public final class StreamFraming extends ChannelDuplexHandler {

    /** Written to end this side's stream; fired inbound when the peer ended its stream. */
    public static final Object END_OF_STREAM = new Object() {
        @Override
        public String toString() {
            return "END_OF_STREAM";
        }
    };

    static final int HEADER_BYTES = 4;
    /** Far above any read the relay makes; a larger length is a corrupt or foreign stream. */
    static final int MAX_CHUNK_BYTES = 16 * 1024 * 1024;

    /** Bytes of the current chunk not yet passed on; -1 while a header is being read. */
    private int remaining = -1;
    private int header;
    private int headerBytesRead;
    private boolean peerEnded;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == END_OF_STREAM) {
            ctx.write(ctx.alloc().buffer(HEADER_BYTES).writeInt(0), promise);
        } else if (msg instanceof ByteBuf chunk && chunk.isReadable()) {
            // One message, not the header and then the chunk: the TLS handler's queue copies whatever it must join
            // into one wrap (up to a whole wrap's worth), but takes a single message as it is.
            ByteBuf header = ctx.alloc().buffer(HEADER_BYTES).writeInt(chunk.readableBytes());
            ctx.write(ctx.alloc().compositeBuffer(2).addComponents(true, header, chunk), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (in.isReadable()) {
                if (peerEnded) {
                    throw new CorruptedFrameException("bytes after the end of the peer's stream");
                }
                if (remaining < 0) {
                    readHeader(ctx, in);
                } else {
                    int take = Math.min(remaining, in.readableBytes());
                    remaining -= take;
                    ByteBuf part = in.readRetainedSlice(take);
                    if (remaining == 0) {
                        remaining = -1;
                    }
                    ctx.fireChannelRead(part);
                }
            }
        } finally {
            ReferenceCountUtil.release(in);
        }
    }

    private void readHeader(ChannelHandlerContext ctx, ByteBuf in) {
        while (headerBytesRead < HEADER_BYTES && in.isReadable()) {
            header = (header << 8) | in.readUnsignedByte();
            headerBytesRead++;
        }
        if (headerBytesRead < HEADER_BYTES) {
            return;
        }
        int length = header;
        header = 0;
        headerBytesRead = 0;
        if (length < 0 || length > MAX_CHUNK_BYTES) {
            throw new CorruptedFrameException("a chunk of " + Integer.toUnsignedString(length)
                    + " bytes: not a Regatta tunnel stream");
        }
        if (length == 0) {
            peerEnded = true;
            ctx.fireUserEventTriggered(END_OF_STREAM);
        } else {
            remaining = length;
        }
    }
}
