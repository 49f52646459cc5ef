package dev.regatta.tunnel.tls;

import dev.regatta.tunnel.ClientIdentity;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The server end's verification of a mount's certificate: valid now, for client authentication, chaining to one of
 * the CA certificates, and carrying a mount's names ({@link ClientIdentity}), all within the TLS handshake so that
 * the client is told why in the alert. Whether the mount is admitted (its grant) is decided after the handshake.
 *
 * <p>A refusal is a {@link RefusedClientCertificate}. With BoringSSL it comes wrapped in an
 * {@link OpenSslCertificateException} carrying the X.509 verification error that BoringSSL turns into the alert
 * (Netty otherwise reports an unspecified error, which BoringSSL sends as {@code internal_error}, blaming the node).
 * The JDK's TLS sends {@code certificate_unknown} for any refusal and cannot be told otherwise.
 */
public final class ClientCertificateTrustManager extends X509ExtendedTrustManager {

    private static final String ROLE = "client";
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final X509ExtendedTrustManager pkix;
    private final boolean boringSsl;

    /**
     * @param boringSsl whether the handshake is BoringSSL's (netty-tcnative), whose alert the refusal then chooses;
     *                  only then is the native library touched
     */
    public ClientCertificateTrustManager(List<X509Certificate> caCertificates, boolean boringSsl) {
        this.pkix = CertificateChecks.pkix(caCertificates);
        this.boringSsl = boringSsl;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        verify(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, () -> pkix.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw notForServers();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw notForServers();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw notForServers();
    }

    /**
     * None: the server then names no CA in its certificate request, and a client always presents the certificate
     * it has. A certificate from the wrong CA is then refused for that reason, which an operator can act on, instead
     * of the client presenting nothing.
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }

    /** The JDK's path validation, one of the overloads above. */
    @FunctionalInterface
    private interface PathCheck {
        void run() throws CertificateException;
    }

    private void verify(X509Certificate[] chain, PathCheck pathCheck) throws CertificateException {
        X509Certificate certificate = CertificateChecks.endEntity(chain, ROLE);
        try {
            CertificateChecks.requireCurrentlyValid(certificate, ROLE);
        } catch (CertificateException e) {
            throw refused(e.getCause() instanceof CertificateNotYetValidException
                    ? RefusedClientCertificate.Reason.NOT_YET_VALID : RefusedClientCertificate.Reason.EXPIRED,
                    e.getMessage(), e);
        }
        try {
            CertificateChecks.requireExtendedKeyUsage(certificate, CertificateChecks.CLIENT_AUTH, "clientAuth", ROLE);
        } catch (CertificateException e) {
            throw refused(RefusedClientCertificate.Reason.NOT_A_MOUNT_CERTIFICATE, e.getMessage(), e);
        }
        try {
            pathCheck.run();
        } catch (CertificateException e) {
            CertificateException untrusted = CertificateChecks.untrusted(certificate, ROLE, e);
            throw refused(pathFailure(e), untrusted.getMessage(), e);
        }
        try {
            ClientIdentity.fromCertificate(certificate);
        } catch (IllegalArgumentException e) {
            throw refused(RefusedClientCertificate.Reason.NOT_A_MOUNT_CERTIFICATE, e.getMessage(), e);
        }
    }

    /**
     * What a failed path validation means: no path to a CA certificate (another CA) or a signature no CA certificate
     * made (a forgery naming our CA as its issuer) is an unknown issuer; a CA certificate out of its validity counts
     * as the certificate's; anything else makes the chain a bad one.
     */
    private static RefusedClientCertificate.Reason pathFailure(CertificateException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathBuilderException) {
                return RefusedClientCertificate.Reason.UNKNOWN_ISSUER;
            }
            if (cause instanceof CertPathValidatorException invalid) {
                if (invalid.getReason() == PKIXReason.NO_TRUST_ANCHOR
                        || invalid.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
                    return RefusedClientCertificate.Reason.UNKNOWN_ISSUER;
                }
                if (invalid.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                        || cause.getCause() instanceof CertificateExpiredException) {
                    return RefusedClientCertificate.Reason.EXPIRED;
                }
                if (invalid.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                    return RefusedClientCertificate.Reason.NOT_YET_VALID;
                }
            }
        }
        return RefusedClientCertificate.Reason.NOT_A_MOUNT_CERTIFICATE;
    }

    private CertificateException refused(RefusedClientCertificate.Reason reason, String message, Throwable cause) {
        RefusedClientCertificate refusal = new RefusedClientCertificate(reason, message, cause);
        return boringSsl ? new OpenSslCertificateException(message, refusal, verificationError(reason)) : refusal;
    }

    /** The X.509 verification error BoringSSL sends as the alert we mean (its SSL_alert_from_verify_result). */
    private static int verificationError(RefusedClientCertificate.Reason reason) {
        return switch (reason) {
            case UNKNOWN_ISSUER -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case NOT_YET_VALID -> CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            case NOT_A_MOUNT_CERTIFICATE -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
        };
    }

    private static CertificateException notForServers() {
        return new CertificateException("this trust manager verifies mounts' client certificates, not servers");
    }
}
