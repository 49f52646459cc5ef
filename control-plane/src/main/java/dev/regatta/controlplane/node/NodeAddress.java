package dev.regatta.controlplane.node;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where clients' tunnels reach a node: {@code host:port}, with an IPv6 address in brackets ({@code [::1]:20490}).
 * The host goes into the node's certificate.
 */
record NodeAddress(String host, int port) {

    /** @throws IllegalArgumentException saying what is wrong with it */
    static NodeAddress parse(String address) {
        URI uri;
        try {
            uri = new URI("tls://" + address);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be host:port (example: 10.0.0.5:20490)");
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535 || uri.getRawUserInfo() != null
                || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must be host:port with a port from 1 to 65535 "
                    + "(example: 10.0.0.5:20490, [fd00::5]:20490)");
        }
        String host = uri.getHost();
        return new NodeAddress(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, uri.getPort());
    }
}
