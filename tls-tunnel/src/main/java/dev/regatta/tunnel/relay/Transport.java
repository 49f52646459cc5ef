package dev.regatta.tunnel.relay;

import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket settings every tunnel connection shares, on the NIO transport (no native library to ship).
 * <ul>
 *   <li>No automatic reading: a side reads only while the other side can take what it reads (backpressure),
 *       and not at all before the relay is set up.</li>
 *   <li>Half-closure allowed: NFS clients and servers may shut one direction and keep the other.</li>
 *   <li>TCP_NODELAY: NFS requests are small and latency-bound; SO_KEEPALIVE: idle NFS connections stay open for
 *       hours, and a vanished peer must still be noticed eventually. There is no idle timeout.</li>
 * </ul>
 */
public final class Transport {

    /**
     * How much a connection may queue for writing before the other side stops reading: a few TLS records' worth,
     * enough to keep a 1 MiB NFS reply streaming, small enough that thousands of connections stay cheap.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    /**
     * Where every tunnel connection's buffers come from. Direct (native) buffers where BoringSSL does the TLS: it
     * encrypts and decrypts them in place, and the sockets read and write them without a copy, where each heap
     * buffer costs a copy into native memory at every TLS record and again at every socket read and write. Heap
     * buffers with the JDK's TLS, whose engine works on them faster.
     */
    public static final PooledByteBufAllocator ALLOCATOR = new PooledByteBufAllocator(TlsContexts.isNative());
    /** Reads grow to 256 KiB, so a 1 MiB NFS reply crosses a hop in a few reads rather than dozens. */
    private static final int MAX_READ_BYTES = 256 * 1024;
    private static final AdaptiveRecvByteBufAllocator READS =
            new AdaptiveRecvByteBufAllocator(4096, 65536, MAX_READ_BYTES);
    /**
     * What the TLS handler takes from its queue for one wrap: a whole relayed read and its frame header. It becomes
     * TLS records of at most 16 KiB as always, but in one buffer, one promise and one socket write; Netty's default
     * (16 KiB, one record) spent a buffer, a promise and a write-queue entry per record, which a profile of the
     * loopback benchmark showed as about a tenth of the tunnel's CPU.
     */
    private static final int WRAP_BYTES = MAX_READ_BYTES + StreamFraming.HEADER_BYTES;

    private Transport() {
    }

    public static EventLoopGroup eventLoops(String threadNamePrefix, int threads) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix, true),
                NioIoHandler.newFactory());
    }

    /** Sets up a tunnel connection's TLS handler for bulk data; the handler is returned for chaining. */
    public static SslHandler tls(SslHandler handler) {
        handler.setWrapDataSize(WRAP_BYTES);
        return handler;
    }

    /** A listener whose accepted connections get the tunnel's settings. */
    public static ServerBootstrap server(EventLoopGroup group) {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS);
    }

    /** An outgoing connection with the tunnel's settings. */
    public static Bootstrap client(EventLoopGroup group, int connectTimeoutMillis) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .option(ChannelOption.RCVBUF_ALLOCATOR, READS);
    }
}
