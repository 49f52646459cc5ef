package dev.regatta.controlplane.ca;

import dev.regatta.pki.Pem;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/**
 * Whether a CSR is worth certifying: one PEM request whose signature proves possession of its key, a key strong
 * enough. Public so that the mount endpoint can refuse a bad CSR before it asks STS about the caller.
 */
public final class CertificationRequests {

    private CertificationRequests() {
    }

    /**
     * The CSR's key, once its signature shows the requester holds the private key.
     *
     * @throws IllegalArgumentException saying what is wrong with the CSR
     */
    public static PublicKey certifiableKey(String csrPem) {
        PKCS10CertificationRequest csr = Pem.parseCsr(csrPem);
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not verify");
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("the CSR's key or signature is unreadable: " + e.getMessage(), e);
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() >= 256) {
            return key;
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048) {
            return key;
        }
        throw new IllegalArgumentException("the CSR's key is too weak or of an unsupported kind (" + key.getAlgorithm()
                + "): use EC P-256 or stronger, or RSA of at least 2048 bits");
    }
}
