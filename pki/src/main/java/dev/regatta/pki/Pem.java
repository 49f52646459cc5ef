package dev.regatta.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The PEM texts Regatta's CA hands out and the ends keep, in one place for every module: PKCS#8 private keys,
 * certificates and certificate requests. Two kinds of reader: the ones for files and answers this process asked for
 * ({@link #privateKey}, {@link #certificate}, {@link #certificates}) throw checked exceptions the caller reports
 * with the file's name; the {@code parse...} ones, for what a client sends the control plane, throw
 * {@link IllegalArgumentException}, which its API answers as a bad request.
 */
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

    /** The first certificate in the text. */
    public static X509Certificate certificate(String pem) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
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

    /** A private key as a {@code PRIVATE KEY} block (PKCS#8), the form TLS libraries read. */
    public static String privateKeyText(PrivateKey key) {
        return text("PRIVATE KEY", key.getEncoded());
    }

    /** A certificate, a certificate request or a key, in the block Bouncy Castle's writer chooses for it. */
    public static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** @throws IllegalArgumentException when {@code pem} is not a PEM X.509 certificate */
    public static X509Certificate parseCertificate(String pem) {
        try {
            return certificate(pem);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate", e);
        }
    }

    /** @throws IllegalArgumentException when {@code pem} is not one PEM certification request */
    public static PKCS10CertificationRequest parseCsr(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("the CSR is empty");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw new IllegalArgumentException("the CSR is not a PEM 'CERTIFICATE REQUEST'");
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("the CSR is not valid PEM: " + e.getMessage(), e);
        }
    }

    static String text(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
