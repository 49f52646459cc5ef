package dev.regatta.dataplane.node;

import java.security.PrivateKey;
import java.util.List;

/**
 * Who this node is to the control plane: its ID and token (which authenticate heartbeats), its private key and
 * the certificate the control plane's CA issued for it, and the CA certificates clients' certificates chain to.
 */
record NodeIdentity(String nodeId, String nodeToken, PrivateKey privateKey, String certificatePem,
                    List<String> caCertificatePems) {

    /** Never shows the token or the key: identities end up in logs and exception messages. */
    @Override
    public String toString() {
        return "NodeIdentity[" + nodeId + "]";
    }
}
