package dev.regatta.dataplane.front;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Who is at the other end of a tunnelled NFS connection, as its verified client certificate says.
 *
 * @param client the instance's address, as the TLS front saw it (the NFS layer only sees the front's loopback hop)
 */
public record MountIdentity(String mountId, String fileSystemId, boolean readOnly, String grantId, String principal,
                            InetSocketAddress client) {

    private static final String PREFIX = "mount:";

    /**
     * How the NFS and lock layers name this client, e.g. {@code mount:m-0123@203.0.113.7}: the mount, because
     * instances behind one NAT share an address (and may share a host name), and because the node can call the
     * mount back only through that mount's own tunnel.
     */
    public String clientName() {
        String address = client.getAddress() != null ? client.getAddress().getHostAddress() : client.getHostString();
        return PREFIX + mountId + "@" + address;
    }

    /** The mount ID in a {@link #clientName()}; empty for a client that did not come through the TLS front. */
    public static Optional<String> mountIdOf(String clientName) {
        int at = clientName.lastIndexOf('@');
        if (!clientName.startsWith(PREFIX) || at <= PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(clientName.substring(PREFIX.length(), at));
    }
}
