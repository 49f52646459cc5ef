package dev.regatta.tunnel.relay;

import dev.regatta.tunnel.testing.ThrowawayPki;
import dev.regatta.tunnel.tls.NodeVerification;
import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** How a tunnel end's TLS handler, set up by {@link Transport#tls}, turns relayed reads into socket writes. */
class TlsWrapTest {

    private static final int RELAYED_READ_BYTES = 256 * 1024;

    /** The stream bytes a receiving end passes on. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] data = new byte[buf.readableBytes()];
            buf.readBytes(data);
            buf.release();
            bytes.writeBytes(data);
        }
    }

    @Test
    void aRelayedReadLeavesTheTlsEndAsOneSocketWriteNotOnePerRecord() throws Exception {
        ThrowawayPki pki = ThrowawayPki.create();
        SslHandler clientTls = Transport.tls(TlsContexts.client(pki.mount(),
                NodeVerification.nodeId(ThrowawayPki.NODE_ID), TlsContexts.TUNNEL_PROTOCOL)
                .newHandler(ByteBufAllocator.DEFAULT));
        SslHandler serverTls = Transport.tls(TlsContexts.server(pki.node()).newHandler(ByteBufAllocator.DEFAULT));
        Received received = new Received();
        EmbeddedChannel client = new EmbeddedChannel(clientTls, new StreamFraming());
        EmbeddedChannel server = new EmbeddedChannel(serverTls, new StreamFraming(), received);
        handshake(client, server);
        assertThat(clientTls.handshakeFuture().isSuccess()).isTrue();

        byte[] read = new byte[RELAYED_READ_BYTES];
        new Random(16).nextBytes(read);
        client.writeAndFlush(Unpooled.wrappedBuffer(read));

        assertThat(client.outboundMessages()).as("16 records of 16 KiB and the frame header's, in one buffer")
                .hasSize(1);
        shuttle(client, server);
        assertThat(received.bytes.toByteArray()).isEqualTo(read);
    }

    /** The handshake's messages, back and forth until neither end has anything more to say. */
    private static void handshake(EmbeddedChannel client, EmbeddedChannel server) {
        for (int round = 0; round < 10; round++) {
            if (shuttle(client, server) + shuttle(server, client) == 0) {
                return;
            }
        }
    }

    /** Moves what {@code from} wrote to {@code to}'s input; returns how many messages it moved. */
    private static int shuttle(EmbeddedChannel from, EmbeddedChannel to) {
        int moved = 0;
        for (Object out; (out = from.readOutbound()) != null; moved++) {
            to.writeInbound(out);
        }
        to.runPendingTasks();
        return moved;
    }
}
