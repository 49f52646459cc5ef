package dev.regatta.dataplane.nfs.nlm;

import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The client behind an NLM call, as far as the node can tell, for calling it back.
 *
 * @param remote where the call came from (for a connection relayed by the node's TLS front: the front's end of the
 *               relay, on loopback)
 * @param client the client's network identity: the address of {@code remote}, or the instance behind the TLS front
 * @param name   the client's name for itself (NLM's {@code caller_name})
 * @param local  the node's address the call came to: how the client names the node
 */
public record NlmPeer(InetSocketAddress remote, String client, String name, InetSocketAddress local) {

    public NlmPeer {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(name, "name");
    }

    /** Whether the call was relayed (by the TLS front): the client is not at the address the call came from. */
    public boolean relayed() {
        return !client.equals(ClientActivity.hostOf(remote));
    }

    @Override
    public String toString() {
        return name + " at " + client + (relayed() ? " (relayed from " + remote + ")" : "");
    }
}
