package dev.regatta.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamFramingTest {

    /** What the framing passes on: the stream's bytes, and where the end of the stream came. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> endedAfter = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] data = new byte[buf.readableBytes()];
            buf.readBytes(data);
            buf.release();
            bytes.writeBytes(data);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == StreamFraming.END_OF_STREAM) {
                endedAfter.add(bytes.size());
            }
        }
    }

    @Test
    void whatOneEndWritesTheOtherReadsByteForByteWithItsEnd() {
        EmbeddedChannel sender = new EmbeddedChannel(new StreamFraming());
        sender.writeOutbound(ascii("hello "), ascii("world"), Unpooled.EMPTY_BUFFER);
        sender.writeOutbound(StreamFraming.END_OF_STREAM);
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf part; (part = sender.readOutbound()) != null; ) {
            wire.writeBytes(part);
            part.release();
        }
        assertThat(wire.readableBytes()).as("two headers, the bytes, the end marker; nothing for the empty write")
                .isEqualTo(4 + 6 + 4 + 5 + 4);

        Received received = new Received();
        EmbeddedChannel receiver = new EmbeddedChannel(new StreamFraming(), received);
        // One byte at a time: headers and chunks split at every possible point.
        while (wire.isReadable()) {
            receiver.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        assertThat(received.bytes.toString(StandardCharsets.US_ASCII)).isEqualTo("hello world");
        assertThat(received.endedAfter).containsExactly(11);
    }

    @Test
    void aChunkLeavesWithItsHeaderAsOneMessageWithoutBeingCopied() {
        EmbeddedChannel sender = new EmbeddedChannel(new StreamFraming());
        ByteBuf chunk = ascii("a relayed read");
        sender.writeOutbound(chunk);
        ByteBuf sent = sender.readOutbound();
        assertThat((Object) sender.readOutbound()).isNull();
        assertThat(sent).isInstanceOf(CompositeByteBuf.class);
        assertThat(((CompositeByteBuf) sent).component(1).array()).as("the chunk's own memory")
                .isSameAs(chunk.array());
        assertThat(sent.readInt()).isEqualTo(14);
        assertThat(sent.toString(StandardCharsets.US_ASCII)).isEqualTo("a relayed read");
        sent.release();
    }

    @Test
    void chunksArePassedOnAsTheyArriveNotGatheredWhole() {
        Received received = new Received();
        EmbeddedChannel receiver = new EmbeddedChannel(new StreamFraming(), received);
        receiver.writeInbound(Unpooled.buffer().writeInt(1_000_000).writeBytes(new byte[1000]));
        assertThat(received.bytes.size()).isEqualTo(1000);
    }

    @Test
    void aLengthNoTunnelWouldSendIsRefused() {
        EmbeddedChannel receiver = new EmbeddedChannel(new StreamFraming(), new Received());
        // An ONC RPC record mark (last fragment, 128 bytes) where a chunk length belongs: a client of another
        // protocol version, or a stream that is not a tunnel's.
        assertThatThrownBy(() -> receiver.writeInbound(Unpooled.buffer().writeInt(0x80000080)))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("not a Regatta tunnel stream");
    }

    @Test
    void bytesAfterTheEndOfTheStreamAreRefused() {
        EmbeddedChannel receiver = new EmbeddedChannel(new StreamFraming(), new Received());
        assertThatThrownBy(() -> receiver.writeInbound(Unpooled.buffer().writeInt(0).writeInt(1).writeByte(7)))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("after the end");
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
