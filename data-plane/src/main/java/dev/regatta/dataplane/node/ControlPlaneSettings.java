package dev.regatta.dataplane.node;

import java.net.URI;

/**
 * How this node joins a control plane.
 *
 * @param url              the control plane's base URL, e.g. {@code https://regatta.example.com}
 * @param bootstrapToken   presented once, to register; null when the node already has an identity
 * @param nodeName         how the node appears in the control plane
 * @param advertiseAddress host:port that clients' tunnels connect to; null: the TLS front's bind address and port
 * @param tlsBindAddress   where the TLS front, the node's public port, listens
 * @param tlsPort          the TLS front's port; 0 picks a free one
 * @param zone             the node's failure domain, or null
 */
public record ControlPlaneSettings(URI url, String bootstrapToken, String nodeName, String advertiseAddress,
                                   String tlsBindAddress, int tlsPort, String zone) {

    @Override
    public String toString() {
        return "ControlPlaneSettings[url=" + url + ", bootstrapToken=" + (bootstrapToken == null ? "none" : "(set)")
                + ", nodeName=" + nodeName + ", advertiseAddress=" + advertiseAddress + ", tls=" + tlsBindAddress + ":"
                + tlsPort + ", zone=" + zone + "]";
    }
}
