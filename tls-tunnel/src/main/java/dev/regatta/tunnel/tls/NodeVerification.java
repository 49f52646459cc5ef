package dev.regatta.tunnel.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * How the client end decides that a certificate chaining to the CA is the one of the node it meant to reach.
 * A node's certificate names it twice: the URI {@code regatta:node:<node ID>}, and the DNS name or IP address of the
 * address it registered.
 */
public final class NodeVerification {

    private static final String NODE_URI = "regatta:node:";

    private final String expectedNodeId;

    private NodeVerification(String expectedNodeId) {
        this.expectedNodeId = expectedNodeId;
    }

    /** The certificate must carry {@code regatta:node:<nodeId>}; the address it was reached at does not matter. */
    public static NodeVerification nodeId(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("the expected node ID is blank");
        }
        return new NodeVerification(nodeId);
    }

    /** Standard (HTTPS) hostname verification: the certificate must name the host the client connects to. */
    public static NodeVerification hostname() {
        return new NodeVerification(null);
    }

    /** Whether one node's ID decides, which only that node's certificate can satisfy, wherever it is reached. */
    public boolean namesOneNode() {
        return expectedNodeId != null;
    }

    /** For {@code SSLParameters}: {@code "HTTPS"} when the host name decides, none when the node ID does. */
    public String endpointIdentificationAlgorithm() {
        return expectedNodeId == null ? "HTTPS" : null;
    }

    void check(X509Certificate certificate) throws CertificateException {
        if (expectedNodeId == null) {
            return; // the JDK has verified the host name
        }
        List<String> nodeUris = CertificateNames.uris(certificate).stream()
                .filter(uri -> uri.startsWith(NODE_URI)).toList();
        if (!nodeUris.contains(NODE_URI + expectedNodeId)) {
            throw new CertificateException("the node certificate '" + CertificateNames.subject(certificate)
                    + "' is for " + (nodeUris.isEmpty() ? "no node" : String.join(", ", nodeUris))
                    + ", not the expected " + NODE_URI + expectedNodeId);
        }
    }

    @Override
    public String toString() {
        return expectedNodeId == null ? "hostname verification" : "node ID " + expectedNodeId;
    }
}
