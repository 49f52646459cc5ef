package dev.regatta.tunnel.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Parses the PEM texts the control plane hands out: PKCS#8 private keys and (concatenated) certificates. */
public final class Pem {

    private Pem() {
    }

    /**
     * The private key of a {@code PRIVATE KEY} (PKCS#8, what Regatta writes) or {@code EC PRIVATE KEY} block (what
     * {@code openssl ecparam -genkey} writes). Encrypted keys are not supported: the file's permissions protect it.
     */
    public static PrivateKey privateKey(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new IOException(object == null ? "no PEM private key found"
                    : "expected an unencrypted PRIVATE KEY (PKCS#8) block, found " + object.getClass().getSimpleName());
        }
    }

    /** Every certificate in the text, in order; at least one. */
    public static List<X509Certificate> certificates(String pem) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certificates = new ArrayList<>();
        for (Certificate certificate : factory.generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            certificates.add((X509Certificate) certificate);
        }
        if (certificates.isEmpty()) {
            throw new IOException("no PEM certificate found");
        }
        return certificates;
    }
}
