package dev.regatta.dataplane.meta;

import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.util.LifeCycle;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Turns away a leader's install-snapshot request to a division of this node that is still starting. Ratis 3.3 takes
 * one then (unlike an append, which it refuses until the division has started): the request starts the division's
 * follower state, the start then starts it again and fails ("previous != null"), and the failed division keeps its
 * directory's lock, so the group cannot be joined again until the process restarts. A leader offers a snapshot over
 * and over to a member behind its log's start, so a returning member met this about one time in three. Turned away
 * with UNAVAILABLE, the leader offers again a moment later, to a division that has started.
 */
final class StartingDivisionGate implements ServerInterceptor {

    private final Supplier<RaftServer> server;

    /** @param server this node's server, once built (the gate is installed while it is built) */
    StartingDivisionGate(Supplier<RaftServer> server) {
        this.server = server;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        if (!RaftServerProtocolServiceGrpc.getInstallSnapshotMethod().getFullMethodName()
                .equals(call.getMethodDescriptor().getFullMethodName())) {
            return listener;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            private boolean turnedAway;

            @Override
            public void onMessage(Q message) {
                if (turnedAway) {
                    return;
                }
                if (message instanceof InstallSnapshotRequestProto request && starting(request)) {
                    turnedAway = true;
                    call.close(Status.UNAVAILABLE.withDescription("the division of group "
                            + RaftGroupId.valueOf(request.getServerRequest().getRaftGroupId().getId())
                            + " is starting; offer the snapshot again"), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!turnedAway) {
                    super.onHalfClose();
                }
            }
        };
    }

    private boolean starting(InstallSnapshotRequestProto request) {
        RaftServer built = server.get();
        if (built == null) {
            return true;
        }
        try {
            RaftGroupId group = RaftGroupId.valueOf(request.getServerRequest().getRaftGroupId().getId());
            return built.getDivision(group).getInfo().getLifeCycleState() == LifeCycle.State.STARTING;
        } catch (IOException e) {
            return false; // no such division: Ratis answers that itself
        }
    }
}
