package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.EarlyInbound;
import dev.regatta.tunnel.relay.Failures;
import dev.regatta.tunnel.relay.Relay;
import dev.regatta.tunnel.relay.StreamFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives one local connection (from the NFS client) its TLS connection to the member of the replication group that
 * leads the file system, then relays between them. The local connection stays open, its bytes waiting, while that
 * member is looked for ({@link MemberSearch}): the NFS client sees a pause, not an error. Only if no member takes it
 * within the hold time is it closed; the NFS client then reconnects, and the search starts again.
 *
 * <p>Whether a member takes the connection shows only after the handshake: in TLS 1.3 the client's handshake completes
 * before the node has seen the client's certificate, and a node that refuses the connection (a follower, which does
 * not serve the file system, or a node that refuses this mount) then closes it without relaying anything. So a new
 * connection is on probation until the node sends its first byte back or ends its stream, which only an admitted
 * node does (it relays what its NFS server answers, and an NFS server only ever answers). Meanwhile what the local
 * client sends is passed on and a copy kept; if the node closes the connection first, the search moves on to the next
 * member, which is sent the same bytes. A node that took them and died before answering is treated alike: the next
 * member gets them, as it would after the NFS client reconnected.
 *
 * <p>A connection stops being replayable once the local client has ended its stream or sent more than
 * {@link #MAX_REPLAY_BYTES} unanswered; it is then relayed at once, and a node closing it closes the local
 * connection. With a single node there is no probation: a connection is relayed once the handshake completes, as it
 * was before replication groups. An established connection is relayed by {@link Relay}. When the node drops it
 * (dies, or no longer leads), the local connection is closed as well, so that the NFS client reconnects and sends
 * again, and new connections try the next member first.
 */
final class LocalConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(LocalConnectionHandler.class);
    /** Above the largest NFS request (a 1 MiB WRITE), with room for a few more sent before the first reply. */
    static final int MAX_REPLAY_BYTES = 2 * 1024 * 1024;
    /** Why a node on probation is passed over, for the logs; the node's own log says which of the two. */
    private static final String CLOSED_BEFORE_RELAYING = "closed the connection before relaying any byte back: not "
            + "the leader, or it refused this mount";

    private final Members members;
    private final NodeDialer dialer;
    private final MemberSearch.Limits limits;
    /** Copies of what the local client has sent, for the next member if this one closes without answering. */
    private final List<ByteBuf> sent = new ArrayList<>();
    private long sentBytes;
    private boolean localEnded;
    private ChannelHandlerContext ctx;
    private MemberSearch search;
    /** The node connection on probation; null while searching. */
    private MemberSearch.Found probation;

    LocalConnectionHandler(Members members, NodeDialer dialer, MemberSearch.Limits limits) {
        this.members = members;
        this.dialer = dialer;
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        Channel local = ctx.channel();
        search = new MemberSearch(members, dialer, limits, local.eventLoop(), local::isActive);
        searchOn();
        ctx.fireChannelActive();
    }

    private void searchOn() {
        Channel local = ctx.channel();
        search.next().addListener((Future<MemberSearch.Found> found) -> {
            if (found.isSuccess()) {
                tryNode(found.getNow());
            } else if (local.isActive()) {
                log.warn("closing the local connection from {} after {} s: {}", local.remoteAddress(),
                        search.seconds(), found.cause().getMessage());
                local.close();
            }
        });
    }

    /** Puts a new node connection on probation: sends it what the local client has sent so far, and reads. */
    private void tryNode(MemberSearch.Found found) {
        Channel local = ctx.channel();
        Channel node = found.channel();
        if (!local.isActive()) {
            node.close();
            return;
        }
        probation = found;
        ChannelPipeline pipeline = node.pipeline();
        EarlyInbound early = pipeline.get(EarlyInbound.class);
        pipeline.addBefore(pipeline.context(early).name(), "node-watch", new NodeWatch(found, local));
        for (ByteBuf copy : sent) {
            node.write(copy.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
        node.flush();
        if (!node.isActive()) {
            // Closed already (its channelInactive is still to come, and will find the probation over).
            refused(found, CLOSED_BEFORE_RELAYING);
            return;
        }
        if (members.size() == 1 || !early.isEmpty() || localEnded || sentBytes > MAX_REPLAY_BYTES) {
            // With a single node there is no other to try: relayed at once, as before replication groups (a refusal
            // closes the local connection). Nothing can come from an admission this early, but whatever did, the
            // relay passes on as always; and a connection that can no longer be replayed is relayed at once.
            relay(found);
            return;
        }
        node.config().setAutoRead(true);
        local.config().setAutoRead(node.isWritable());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg; // what a socket reads
        sent.add(in.copy());
        sentBytes += in.readableBytes();
        MemberSearch.Found node = probation;
        if (node == null) {
            // The last read of a loop that ran as the node refused: the copy goes to the next member.
            ctx.channel().config().setAutoRead(false);
            in.release();
            return;
        }
        node.channel().writeAndFlush(in).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (probation != node) {
            return; // the write failed at once, and the node was passed over
        }
        if (sentBytes > MAX_REPLAY_BYTES) {
            relay(node);
        } else if (!node.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The local client ended its stream before the node answered (an NFS client never does): the end is held
            // for the relay, and the end marker cannot be taken back from a node, so there is no replay after it.
            localEnded = true;
            ctx.pipeline().addAfter(ctx.name(), "local-end", new EarlyInbound());
            ctx.fireUserEventTriggered(evt);
            if (probation != null) {
                relay(probation);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The NFS client went away before its tunnel was ready; the search stops by itself.
        MemberSearch.Found node = probation;
        probation = null;
        if (node != null) {
            node.channel().close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("local connection from {} failed before its tunnel was ready", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        sent.forEach(ByteBuf::release);
        sent.clear();
    }

    /** The node on probation closed the connection before it relayed anything: on to the next member. */
    private void refused(MemberSearch.Found found, String reason) {
        if (probation != found) {
            return;
        }
        probation = null;
        found.channel().close();
        Channel local = ctx.channel();
        if (!local.isActive()) {
            return;
        }
        // The NFS client's next bytes wait in the socket until the next member is there.
        local.config().setAutoRead(false);
        search.refused(found.node(), reason);
        searchOn();
    }

    /** The node on probation answered: it took the connection. */
    private void answered(MemberSearch.Found found) {
        if (probation != found) {
            return;
        }
        if (members.worked(found.node())) {
            String failed = search.failedSoFar();
            if (failed.isEmpty()) {
                log.info("connected to {}, which new connections now try first", found.node());
            } else {
                log.warn("{}; connected to {}, which new connections now try first", failed, found.node());
            }
        }
        relay(found);
    }

    private void relay(MemberSearch.Found found) {
        probation = null;
        Channel local = ctx.channel();
        Channel node = found.channel();
        node.pipeline().get(NodeWatch.class).relaying = true;
        ctx.pipeline().remove(this);
        log.info("local connection from {} tunnelled to the node {} via {}", local.remoteAddress(), found.node(),
                node.localAddress());
        Relay.join(local, "the local client", node, "the node",
                reason -> log.info("tunnel for the local connection from {} closed: {}", local.remoteAddress(),
                        reason));
    }

    /**
     * On a node connection, before its {@link EarlyInbound} (and later before the relay): during probation, tells an
     * answer from a refusal; once relayed, tells the node dropping the connection from an orderly end.
     */
    private final class NodeWatch extends ChannelInboundHandlerAdapter {

        private final MemberSearch.Found found;
        private final Channel local;
        private boolean relaying;
        private boolean nodeEnded;
        private boolean dropReported;

        NodeWatch(MemberSearch.Found found, Channel local) {
            this.found = found;
            this.local = local;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
            if (!relaying) {
                answered(found);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == StreamFraming.END_OF_STREAM) {
                nodeEnded = true;
                ctx.fireUserEventTriggered(evt);
                if (!relaying) {
                    answered(found);
                }
            } else if (evt instanceof SslCloseCompletionEvent || evt instanceof ChannelInputShutdownEvent) {
                if (relaying) {
                    ended("it closed the connection before it ended its stream");
                    ctx.fireUserEventTriggered(evt);
                } else {
                    refused(found, CLOSED_BEFORE_RELAYING);
                }
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (relaying) {
                ended("it closed the connection");
            } else {
                refused(found, CLOSED_BEFORE_RELAYING);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (relaying) {
                ended(Failures.describe(cause));
                ctx.fireExceptionCaught(cause);
            } else {
                log.debug("{} failed before it answered", found.node(), cause);
                refused(found, Failures.describe(cause));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!relaying && probation == found && ctx.channel().isWritable()) {
                local.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        /**
         * The node's side of a relayed connection ended. If the node had not ended its stream and the local client is
         * still there (a close for the local client's sake closes the local side first), the node dropped it.
         */
        private void ended(String reason) {
            if (nodeEnded || dropReported || !local.isActive()) {
                return;
            }
            dropReported = true;
            members.dropped(found.node()).ifPresent(next -> log.warn("node {} dropped the tunnel of the local "
                    + "connection from {} ({}); the NFS client reconnects, and new connections try {} first",
                    found.node(), local.remoteAddress(), reason, next));
        }
    }
}
