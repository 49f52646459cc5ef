package dev.regatta.tunnel.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The client end's verification of a node's certificate: valid now, for server authentication, chaining to one of
 * the CA certificates, and for the expected node ({@link NodeVerification}).
 */
public final class NodeCertificateTrustManager extends X509ExtendedTrustManager {

    private static final String ROLE = "node";

    private final X509ExtendedTrustManager pkix;
    private final List<X509Certificate> caCertificates;
    private final NodeVerification verification;

    public NodeCertificateTrustManager(List<X509Certificate> caCertificates, NodeVerification verification) {
        this.pkix = CertificateChecks.pkix(caCertificates);
        this.caCertificates = List.copyOf(caCertificates);
        this.verification = verification;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        X509Certificate certificate = precheck(chain);
        try {
            // With an engine, the JDK also verifies the host name when the endpoint identification asks for it.
            pkix.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
        verification.check(certificate);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        X509Certificate certificate = precheck(chain);
        try {
            pkix.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
        verification.check(certificate);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (verification.endpointIdentificationAlgorithm() != null) {
            // Without an engine or socket there is no host to verify against: refuse rather than skip it.
            throw new CertificateException("hostname verification needs the connection's host name");
        }
        X509Certificate certificate = precheck(chain);
        try {
            pkix.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
        verification.check(certificate);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw notForClients();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw notForClients();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw notForClients();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return caCertificates.toArray(X509Certificate[]::new);
    }

    private static X509Certificate precheck(X509Certificate[] chain) throws CertificateException {
        X509Certificate certificate = CertificateChecks.endEntity(chain, ROLE);
        CertificateChecks.requireCurrentlyValid(certificate, ROLE);
        CertificateChecks.requireExtendedKeyUsage(certificate, CertificateChecks.SERVER_AUTH, "serverAuth", ROLE);
        return certificate;
    }

    private static CertificateException notForClients() {
        return new CertificateException("this trust manager verifies nodes' certificates, not clients");
    }
}
