package dev.regatta.dataplane.node;

import java.net.URI;

/**
 * How this node joins a control plane.
 *
 * @param url              the control plane's base URL, e.g. {@code https://regatta.example.com}
 * @param bootstrapToken   presented once, to register; null when the node already has an identity
 * @param nodeName         how the node appears in the control plane
 * @param advertiseAddress host:port that clients' tunnels connect to; null: the bind address and the NFS port
 */
public record ControlPlaneSettings(URI url, String bootstrapToken, String nodeName, String advertiseAddress) {

    @Override
    public String toString() {
        return "ControlPlaneSettings[url=" + url + ", bootstrapToken=" + (bootstrapToken == null ? "none" : "(set)")
                + ", nodeName=" + nodeName + ", advertiseAddress=" + advertiseAddress + "]";
    }
}
