package dev.regatta.dataplane.nfs.rpc;

import java.net.InetSocketAddress;
import org.dcache.oncrpc4j.rpc.RpcCall;

/**
 * The connection a call came on, as the layers above {@code nfs} see it: they decide by addresses (the TLS front
 * knows which loopback address relays which mount) and never handle oncrpc4j's call.
 *
 * @param remote where the call came from
 * @param local  the node's address the call came to
 */
public record RpcPeer(InetSocketAddress remote, InetSocketAddress local) {

    /** The peer of a call. */
    public static RpcPeer of(RpcCall call) {
        return new RpcPeer(call.getTransport().getRemoteSocketAddress(), call.getTransport().getLocalSocketAddress());
    }
}
