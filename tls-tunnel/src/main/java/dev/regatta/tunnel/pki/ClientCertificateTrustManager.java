package dev.regatta.tunnel.pki;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The server end's verification of a mount's certificate: valid now, for client authentication, and chaining to
 * one of the CA certificates. What the certificate says (file system, grant) is checked after the handshake.
 */
public final class ClientCertificateTrustManager extends X509ExtendedTrustManager {

    private static final String ROLE = "client";
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final X509ExtendedTrustManager pkix;

    public ClientCertificateTrustManager(List<X509Certificate> caCertificates) {
        this.pkix = CertificateChecks.pkix(caCertificates);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        X509Certificate certificate = precheck(chain);
        try {
            pkix.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        X509Certificate certificate = precheck(chain);
        try {
            pkix.checkClientTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        X509Certificate certificate = precheck(chain);
        try {
            pkix.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
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

    private static X509Certificate precheck(X509Certificate[] chain) throws CertificateException {
        X509Certificate certificate = CertificateChecks.endEntity(chain, ROLE);
        CertificateChecks.requireCurrentlyValid(certificate, ROLE);
        CertificateChecks.requireExtendedKeyUsage(certificate, CertificateChecks.CLIENT_AUTH, "clientAuth", ROLE);
        return certificate;
    }

    private static CertificateException notForServers() {
        return new CertificateException("this trust manager verifies mounts' client certificates, not servers");
    }
}
