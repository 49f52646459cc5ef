package dev.regatta.dataplane.node;

import java.net.URI;
import java.util.List;

/**
 * How this node joins a control plane.
 *
 * @param urls             the control plane's base URLs, e.g. {@code https://regatta.example.com}: one (a load
 *                         balancer in front of its instances) or each instance's, tried in turn when one does not
 *                         answer
 * @param bootstrapToken   presented once, to register; null when the node already has an identity
 * @param nodeName         how the node appears in the control plane
 * @param advertiseAddress host:port that clients' tunnels connect to; null: the TLS front's bind address and port
 * @param tlsBindAddress   where the TLS front, the node's public port, listens
 * @param tlsPort          the TLS front's port; 0 picks a free one
 * @param zone             the node's failure domain, or null
 */
public record ControlPlaneSettings(List<URI> urls, String bootstrapToken, String nodeName, String advertiseAddress,
                                   String tlsBindAddress, int tlsPort, String zone) {

    public ControlPlaneSettings {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no control plane URL");
        }
    }

    @Override
    public String toString() {
        return "ControlPlaneSettings[urls=" + urls + ", bootstrapToken=" + (bootstrapToken == null ? "none" : "(set)")
                + ", nodeName=" + nodeName + ", advertiseAddress=" + advertiseAddress + ", tls=" + tlsBindAddress + ":"
                + tlsPort + ", zone=" + zone + "]";
    }
}
