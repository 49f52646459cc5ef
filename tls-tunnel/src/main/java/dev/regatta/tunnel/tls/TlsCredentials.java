package dev.regatta.tunnel.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What one end of a tunnel proves itself with, and whom it trusts.
 *
 * @param privateKey     this end's key (never logged)
 * @param chain          this end's certificate first, then any intermediates
 * @param caCertificates the CA certificates the other end's certificate must chain to
 */
public record TlsCredentials(PrivateKey privateKey, List<X509Certificate> chain,
                             List<X509Certificate> caCertificates) {

    /**
     * @throws IllegalArgumentException when a part is missing or the key is not the certificate's, such as when
     *                                  a renewal has written one file and not yet the other
     */
    public TlsCredentials {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        caCertificates = List.copyOf(caCertificates);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the certificate chain is empty");
        }
        if (caCertificates.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate to trust");
        }
        requireKeyOf(privateKey, chain.get(0));
    }

    /** This end's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        // A record's default toString would print the key.
        return "TlsCredentials[" + CertificateNames.subject(certificate()) + ", " + caCertificates.size()
                + " CA certificate(s)]";
    }

    /** Signs a probe with the key and verifies it with the certificate: the cheapest proof that they belong together. */
    private static void requireKeyOf(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm()
                    + " (use EC P-256 or RSA)");
        };
        byte[] probe = "regatta-tunnel key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("the private key is not the key of the certificate '"
                    + CertificateNames.subject(certificate) + "'");
        }
    }
}
