package dev.regatta.tunnel.portmap;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A portmapper/rpcbind responder for one tunnel: tells the kernel's NFS lock client (which asks rpcbind at the
 * server's address, port 111) and rpc.statd that NFS, MOUNT, NLM and NSM are all on the tunnel's port. It listens on
 * the tunnel's address at a port of its own, TCP and UDP on the same number; a netfilter rule of mount.regatta's
 * sends the address's port 111 there. See docs/locks.md.
 */
public final class PortmapResponder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PortmapResponder.class);
    /** A portmapper call is a few hundred bytes; a record larger than this is not one, and its connection closes. */
    static final int MAX_RECORD = 64 * 1024;
    private static final int BIND_ATTEMPTS = 20;

    private final Channel tcp;
    private final Channel udp;

    private PortmapResponder(Channel tcp, Channel udp) {
        this.tcp = tcp;
        this.udp = udp;
    }

    /**
     * @param address     where it listens, and the address in its answers
     * @param port        its port for TCP and UDP; 0 for a free one. A given port that is taken is an error
     * @param servicePort the tunnel's port, where every program it knows is served
     */
    public static PortmapResponder start(EventLoopGroup group, Inet4Address address, int port, int servicePort)
            throws IOException {
        PortmapCalls calls = new PortmapCalls(address, servicePort);
        ServerBootstrap tcpBootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new RecordDecoder(), new TcpCalls(calls));
                    }
                });
        Bootstrap udpBootstrap = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new UdpCalls(calls));
        Throwable failure = null;
        for (int attempt = 0; attempt < (port == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            ChannelFuture tcpBound = tcpBootstrap.bind(new InetSocketAddress(address, port)).awaitUninterruptibly();
            if (!tcpBound.isSuccess()) {
                failure = tcpBound.cause();
                continue;
            }
            int bound = ((InetSocketAddress) tcpBound.channel().localAddress()).getPort();
            ChannelFuture udpBound = udpBootstrap.bind(new InetSocketAddress(address, bound)).awaitUninterruptibly();
            if (udpBound.isSuccess()) {
                log.info("portmapper on {}:{} (TCP and UDP) answers port {} for NFS, MOUNT, NLM and NSM over TCP",
                        address.getHostAddress(), bound, servicePort);
                return new PortmapResponder(tcpBound.channel(), udpBound.channel());
            }
            failure = udpBound.cause();
            tcpBound.channel().close().awaitUninterruptibly();
        }
        throw new IOException("the portmapper cannot listen on " + address.getHostAddress() + ":" + port + ": "
                + failure.getMessage(), failure);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    @Override
    public void close() {
        tcp.close().awaitUninterruptibly();
        udp.close().awaitUninterruptibly();
    }

    /** ONC RPC record marking (RFC 5531, section 11): fragments up to the one with the last-fragment bit. */
    static final class RecordDecoder extends ByteToMessageDecoder {

        private ByteBuf record;

        @Override
        protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 4) {
                long header = in.getUnsignedInt(in.readerIndex());
                int length = (int) (header & 0x7fffffffL);
                boolean last = (header & 0x80000000L) != 0;
                int gathered = record == null ? 0 : record.readableBytes();
                if (length > MAX_RECORD || gathered + length > MAX_RECORD) {
                    in.skipBytes(in.readableBytes());
                    context.close();
                    return;
                }
                if (in.readableBytes() < 4 + length) {
                    return;
                }
                in.skipBytes(4);
                if (record == null) {
                    record = context.alloc().buffer(length);
                }
                record.writeBytes(in, length);
                if (last) {
                    out.add(record);
                    record = null;
                }
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext context) {
            if (record != null) {
                record.release();
                record = null;
            }
        }
    }

    private static final class TcpCalls extends SimpleChannelInboundHandler<ByteBuf> {

        private final PortmapCalls calls;

        TcpCalls(PortmapCalls calls) {
            this.calls = calls;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, ByteBuf call) {
            calls.answer(call, context.alloc()).ifPresent(reply -> {
                ByteBuf marker = context.alloc().buffer(4).writeInt(0x80000000 | reply.readableBytes());
                context.write(marker);
                context.writeAndFlush(reply);
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            log.debug("portmapper connection from {}: {}", context.channel().remoteAddress(), cause.toString());
            context.close();
        }
    }

    private static final class UdpCalls extends SimpleChannelInboundHandler<DatagramPacket> {

        private final PortmapCalls calls;

        UdpCalls(PortmapCalls calls) {
            this.calls = calls;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
            calls.answer(packet.content(), context.alloc())
                    .ifPresent(reply -> context.writeAndFlush(new DatagramPacket(reply, packet.sender())));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            log.debug("portmapper datagram: {}", cause.toString()); // the channel stays open for the next one
        }
    }
}
