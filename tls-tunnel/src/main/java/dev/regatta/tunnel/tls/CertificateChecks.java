package dev.regatta.tunnel.tls;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks both ends make of the other's certificate before the standard path validation, each with a message an
 * operator can act on (the JDK's own messages name neither the certificate nor the date).
 */
final class CertificateChecks {

    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private CertificateChecks() {
    }

    static X509Certificate endEntity(X509Certificate[] chain, String role) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no " + role + " certificate was presented");
        }
        return chain[0];
    }

    static void requireCurrentlyValid(X509Certificate certificate, String role) throws CertificateException {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CertificateException("the " + role + " certificate '" + CertificateNames.subject(certificate)
                    + "' expired at " + certificate.getNotAfter().toInstant(), e);
        } catch (CertificateNotYetValidException e) {
            throw new CertificateException("the " + role + " certificate '" + CertificateNames.subject(certificate)
                    + "' is not valid before " + certificate.getNotBefore().toInstant()
                    + " (is this machine's clock right?)", e);
        }
    }

    /** Requires the extended key usage to be present and to include {@code purpose}; absent is not enough here. */
    static void requireExtendedKeyUsage(X509Certificate certificate, String purpose, String purposeName,
                                        String role) throws CertificateException {
        List<String> usages;
        try {
            usages = certificate.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateException("the " + role + " certificate '" + CertificateNames.subject(certificate)
                    + "' has an unreadable extended key usage", e);
        }
        if (usages == null || !usages.contains(purpose)) {
            throw new CertificateException("the " + role + " certificate '" + CertificateNames.subject(certificate)
                    + "' is not for " + purposeName + " (its extended key usage lacks " + purposeName + ")");
        }
    }

    /** The JDK's PKIX path validation against exactly these CA certificates, without revocation checking. */
    static X509ExtendedTrustManager pkix(List<X509Certificate> caCertificates) {
        try {
            Set<TrustAnchor> anchors = caCertificates.stream().map(ca -> new TrustAnchor(ca, null))
                    .collect(Collectors.toSet());
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
            // The CA issues short-lived certificates and publishes no CRL or OCSP responder.
            parameters.setRevocationEnabled(false);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(new CertPathTrustManagerParameters(parameters));
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's PKIX trust manager factory made no X509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot trust these CA certificates: " + e.getMessage(), e);
        }
    }

    /** Prefixes the JDK's failure (path validation, host name) with what was being validated. */
    static CertificateException untrusted(X509Certificate certificate, String role, CertificateException cause) {
        return new CertificateException("the " + role + " certificate '" + CertificateNames.subject(certificate)
                + "' (issued by '" + certificate.getIssuerX500Principal().getName()
                + "') is not trusted: " + cause.getMessage(), cause);
    }
}
