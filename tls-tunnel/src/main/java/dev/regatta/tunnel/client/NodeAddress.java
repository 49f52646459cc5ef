package dev.regatta.tunnel.client;

import java.util.Objects;

/**
 * A data-plane node's TLS address as the control plane gave it: the host as written (a name or a literal address,
 * which the node's certificate must name under hostname verification) and the port.
 */
public record NodeAddress(String host, int port) {

    public NodeAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("a node address needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a node's port must be 1-65535, not " + port);
        }
    }

    /** {@code host:port}, an IPv6 host in brackets, as operators write it. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
