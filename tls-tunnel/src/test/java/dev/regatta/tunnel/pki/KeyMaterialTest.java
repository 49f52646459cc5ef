package dev.regatta.tunnel.pki;

import dev.regatta.tunnel.testing.TestCa;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.security.KeyPair;

import static org.assertj.core.api.Assertions.assertThat;

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
        TestCa ca = TestCa.create("Regatta test CA");
        TestCa.Issued issued = ca.client("mount-1").issue();
        assertThat(KeyMaterial.certifies(issued.certificate(), issued.keys().getPublic())).isTrue();
        assertThat(KeyMaterial.certifies(issued.certificate(), KeyMaterial.generate().getPublic())).isFalse();
    }
}
