package dev.regatta.mount.testing;

import dev.regatta.pki.KeyMaterial;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/** A certificate authority for tests: signs the helper's certificate requests as the control plane's CA would. */
public final class TestCa {

    private final KeyPair keys = KeyMaterial.generate();
    private final X500Name name = new X500Name("CN=Regatta test CA, O=Regatta");
    private final AtomicLong serial = new AtomicLong(1);
    private final String certificatePem;

    public TestCa() {
        try {
            Instant now = Instant.now();
            certificatePem = pem(new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial.getAndIncrement()),
                    Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), name, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String certificatePem() {
        return certificatePem;
    }

    public String sign(String csrPem, String mountId, Instant notBefore, Instant notAfter) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            var request = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
            if (!request.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                    .build(request.getPublicKey()))) {
                throw new IllegalArgumentException("the CSR's signature is not valid");
            }
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial.getAndIncrement()),
                            Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + mountId + ", O=Regatta"),
                            request.getPublicKey())
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return pem(certificate.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the CSR: " + e.getMessage(), e);
        }
    }

    private static String pem(byte[] der) throws java.io.IOException {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("CERTIFICATE", der));
        }
        return out.toString();
    }
}
