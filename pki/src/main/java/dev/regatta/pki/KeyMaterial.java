package dev.regatta.pki;

import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

/**
 * The key material of a tunnel end that the control plane's CA certifies, a node or a mount: an EC P-256 key pair
 * made where it is used (the private key never leaves that machine) and the certificate request the CA signs.
 */
public final class KeyMaterial {

    private KeyMaterial() {
    }

    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
        }
    }

    /**
     * A PKCS#10 request for {@code CN=<commonName>, O=Regatta}, signed with the key pair (SHA-256 with ECDSA), as
     * PEM. The CA writes the subject it certifies; this one only says what the key is for.
     */
    public static String certificateRequest(KeyPair keys, String commonName) {
        var subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName).addRDN(BCStyle.O, "Regatta").build();
        try {
            var request = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            return Pem.text("CERTIFICATE REQUEST", request.getEncoded());
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign a certificate request for " + commonName, e);
        }
    }

    /** Whether the certificate is for this public key: the CA signed our request, not someone else's. */
    public static boolean certifies(X509Certificate certificate, PublicKey key) {
        return Arrays.equals(certificate.getPublicKey().getEncoded(), key.getEncoded());
    }
}
