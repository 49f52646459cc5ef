package dev.regatta.controlplane.ca;

import java.util.List;

/**
 * The deployment's certificate authority: it certifies data-plane nodes (server certificates) and mounts (short-lived
 * client certificates naming the file system, the access and the principal). Formats: docs/control-plane-protocols.md.
 */
public interface CertificateAuthority {

    /**
     * @param csrPem a PKCS#10 request whose signature proves possession of the key
     * @param host   the DNS name or IP address clients reach the node at
     * @throws IllegalArgumentException for a malformed CSR or one whose signature does not verify
     */
    IssuedCertificate issueNodeCertificate(String csrPem, String nodeId, String host);

    /** @throws IllegalArgumentException for a malformed CSR or one whose signature does not verify */
    IssuedCertificate issueClientCertificate(String csrPem, ClientIdentity identity);

    /** The chain clients and nodes trust, root last, PEM. */
    List<String> caCertificatesPem();
}
