package dev.regatta.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

/** Key pairs and certificate requests as the node agent and the mount helper make them. */
class KeyMaterialTest {

    @Test
    void aCertificateRequestIsSignedByTheKeyAndNamesWhatItIsFor() throws Exception {
        KeyPair keys = KeyMaterial.generate();
        String pem = KeyMaterial.certificateRequest(keys, "node-a");
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            PKCS10CertificationRequest request = (PKCS10CertificationRequest) parser.readObject();
            assertThat(request.getSubject().toString()).isEqualTo("CN=node-a,O=Regatta");
            assertThat(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic())))
                    .isTrue();
        }
    }

    @Test
    void aPrivateKeyWrittenAsPemReadsBackTheSame() throws Exception {
        KeyPair keys = KeyMaterial.generate();
        String pem = Pem.privateKeyText(keys.getPrivate());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.privateKey(pem).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void aCertificateCertifiesOnlyItsOwnKey() throws Exception {
        KeyPair ca = KeyMaterial.generate();
        KeyPair mount = KeyMaterial.generate();
        X509Certificate certificate = issue(ca, mount);
        assertThat(KeyMaterial.certifies(certificate, mount.getPublic())).isTrue();
        assertThat(KeyMaterial.certifies(certificate, KeyMaterial.generate().getPublic())).isFalse();
    }

    @Test
    void aCertificateReadsBackFromItsPem() throws Exception {
        X509Certificate certificate = issue(KeyMaterial.generate(), KeyMaterial.generate());
        String pem = Pem.encode(certificate);
        assertThat(Pem.certificate(pem)).isEqualTo(certificate);
        assertThat(Pem.parseCertificate(pem)).isEqualTo(certificate);
        assertThat(Pem.certificates(pem + pem)).containsExactly(certificate, certificate);
    }

    /** A certificate for {@code subject}'s public key, signed by {@code ca}. */
    private static X509Certificate issue(KeyPair ca, KeyPair subject) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Regatta test CA"), BigInteger.ONE,
                Date.from(now), Date.from(now.plus(Duration.ofHours(1))), new X500Name("CN=mount-1"),
                subject.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
    }
}
