package dev.regatta.controlplane.ca;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.EmbeddedDatabaseTest;
import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.pki.Pem;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.net.InetAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@SpringBootTest
class CertificateAuthorityTest extends EmbeddedDatabaseTest {

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    @Autowired
    BouncyCastleCertificateAuthority ca;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ControlPlaneProperties properties;

    @Test
    void theAuthorityIsMadeOnceAndItsKeyIsStoredEncrypted() {
        X509Certificate root = ca.certificate();
        assertThat(root.getBasicConstraints()).as("a CA certificate").isGreaterThanOrEqualTo(0);
        assertThat(ca.caCertificatesPem()).hasSize(1);
        byte[] stored = jdbc.sql("select encrypted_key from certificate_authority where id = 1")
                .query(byte[].class).single();
        // PKCS#8 DER of an EC key starts with a SEQUENCE whose algorithm OID 1.2.840.10045.2.1 is in the clear.
        byte[] ecOid = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
        assertThat(indexOf(stored, ecOid)).as("no plaintext key in the database").isEqualTo(-1);

        BouncyCastleCertificateAuthority restarted = new BouncyCastleCertificateAuthority(jdbc, properties);
        assertThat(restarted.certificate()).as("the same CA after a restart").isEqualTo(root);
    }

    @Test
    void theWrongKeyEncryptionKeyIsAClearStartupError() {
        byte[] other = new byte[32];
        other[0] = 1;
        ControlPlaneProperties.Ca ca = properties.ca();
        ControlPlaneProperties wrong = new ControlPlaneProperties(properties.dataDir(), 0, properties.serverId(),
                properties.sts(), new ControlPlaneProperties.Ca(Base64.getEncoder().encodeToString(other),
                ca.clientCertificateTtl(), ca.nodeCertificateTtl(), ca.authorityTtl()),
                properties.nodes(), properties.replication(), properties.mounts(), properties.admin(),
                properties.audit());
        assertThatThrownBy(() -> new BouncyCastleCertificateAuthority(jdbc, wrong))
                .hasMessageContaining("not the key it was encrypted with");
    }

    @Test
    void aNodeCertificateNamesTheNodeAndItsAddress() throws Exception {
        KeyPair keys = TestCsr.ecKeyPair();
        IssuedCertificate issued = ca.issueNodeCertificate(TestCsr.pem(keys), "node-0123456789abcdef0", "10.0.0.5");
        X509Certificate cert = Pem.parseCertificate(issued.pem());
        cert.verify(ca.certificate().getPublicKey());
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Regatta,CN=node-0123456789abcdef0");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(names(cert, SAN_URI)).containsExactly("regatta:node:node-0123456789abcdef0");
        assertThat(names(cert, SAN_IP)).containsExactly("10.0.0.5");
        assertThat(cert.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(30)), within(Duration.ofMinutes(1)));
        assertThat(issued.notAfter()).isEqualTo(cert.getNotAfter().toInstant());
        assertThat(issued.serialHex()).isNotBlank();

        X509Certificate byName = Pem.parseCertificate(
                ca.issueNodeCertificate(TestCsr.pem(keys), "node-1", "dp1.example.com").pem());
        assertThat(names(byName, SAN_DNS)).containsExactly("dp1.example.com");
        assertThat(byName.getSerialNumber()).isNotEqualTo(cert.getSerialNumber());
    }

    @Test
    void aClientCertificateNamesFileSystemAccessGrantAndPrincipal() throws Exception {
        KeyPair keys = TestCsr.ecKeyPair();
        String arn = "arn:aws:sts::123456789012:assumed-role/app/i-0abc";
        IssuedCertificate issued = ca.issueClientCertificate(TestCsr.pem(keys), new ClientIdentity(
                "mount-0123456789abcdef0", "fs-0123456789abcdef0", AccessLevel.READ_ONLY, "grant-0123456789abcdef0", arn));
        X509Certificate cert = Pem.parseCertificate(issued.pem());
        cert.verify(ca.certificate().getPublicKey());
        cert.checkValidity();
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Regatta,CN=mount-0123456789abcdef0");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(names(cert, SAN_URI)).containsExactly("regatta:fs:fs-0123456789abcdef0",
                "regatta:access:read-only", "regatta:grant:grant-0123456789abcdef0", arn);
        assertThat(cert.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofHours(1)), within(Duration.ofMinutes(1)));
        assertThat(cert.getNotBefore().toInstant()).isBefore(Instant.now());
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    }

    @Test
    void requestsThatDoNotProveTheirKeyOrUseAWeakOneAreRefused() throws Exception {
        ClientIdentity id = new ClientIdentity("mount-1", "fs-1", AccessLevel.READ_WRITE, "grant-1",
                "arn:aws:iam::123456789012:user/u");
        PKCS10CertificationRequest genuine = TestCsr.request(TestCsr.ecKeyPair());
        byte[] der = genuine.getEncoded();
        der[der.length - 5] ^= 0x01; // inside the signature
        String tampered = Pem.encode(new PKCS10CertificationRequest(der));
        assertThatThrownBy(() -> ca.issueClientCertificate(tampered, id))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> ca.issueClientCertificate("not a csr", id))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CSR");
        assertThatThrownBy(() -> ca.issueClientCertificate("", id))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        String weak = TestCsr.pem(TestCsr.rsaKeyPair(1024));
        assertThatThrownBy(() -> ca.issueClientCertificate(weak, id))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too weak");
        assertThat(Pem.parseCertificate(ca.issueClientCertificate(TestCsr.pem(TestCsr.rsaKeyPair(2048)), id).pem())
                .getKeyUsage()[2]).as("RSA keys may encipher keys").isTrue();
        assertThatThrownBy(() -> ca.issueNodeCertificate(TestCsr.pem(TestCsr.ecKeyPair()), "node-1", "bad host!"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad host!");
    }

    private static List<String> names(X509Certificate cert, int type) throws Exception {
        List<String> out = new ArrayList<>();
        Collection<List<?>> all = cert.getSubjectAlternativeNames();
        for (List<?> name : all == null ? List.<List<?>>of() : all) {
            if ((Integer) name.get(0) == type) {
                Object value = name.get(1);
                out.add(type == SAN_IP ? InetAddress.getByName((String) value).getHostAddress() : (String) value);
            }
        }
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
