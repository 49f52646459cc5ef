package dev.regatta.mount.testing;

import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

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
            certificatePem = Pem.encode(new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(serial.getAndIncrement()), Date.from(now.minusSeconds(3600)),
                    Date.from(now.plusSeconds(86400)), name, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String certificatePem() {
        return certificatePem;
    }

    public String sign(String csrPem, String mountId, Instant notBefore, Instant notAfter) {
        try {
            var request = new JcaPKCS10CertificationRequest(Pem.parseCsr(csrPem));
            if (!request.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                    .build(request.getPublicKey()))) {
                throw new IllegalArgumentException("the CSR's signature is not valid");
            }
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial.getAndIncrement()),
                            Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + mountId + ", O=Regatta"),
                            request.getPublicKey())
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return Pem.encode(certificate);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the CSR: " + e.getMessage(), e);
        }
    }
}
