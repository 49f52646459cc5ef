package dev.regatta.controlplane.ca;

import dev.regatta.pki.Pem;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * Keeps the CA's certificate and encrypted private key in PostgreSQL (table certificate_authority), making them
 * on first start. Several control-plane replicas starting at once agree on one CA: the first insert wins and
 * everyone reads back what was stored.
 */
final class AuthorityKeyStore {

    private static final Logger LOG = LoggerFactory.getLogger(AuthorityKeyStore.class);

    record Authority(X509Certificate certificate, PrivateKey privateKey) {
    }

    private final JdbcClient jdbc;
    private final KeyEncryptionKey keyEncryptionKey;
    private final Clock clock;

    AuthorityKeyStore(JdbcClient jdbc, KeyEncryptionKey keyEncryptionKey, Clock clock) {
        this.jdbc = jdbc;
        this.keyEncryptionKey = keyEncryptionKey;
        this.clock = clock;
    }

    Authority loadOrCreate(String commonName, Duration lifetime) {
        Optional<Authority> existing = load();
        if (existing.isPresent()) {
            return existing.get();
        }
        Authority made = create(commonName, lifetime);
        int inserted = jdbc.sql("""
                        insert into certificate_authority (id, certificate_pem, encrypted_key, created_at)
                        values (1, ?, ?, ?) on conflict (id) do nothing""")
                .param(Pem.encode(made.certificate()))
                .param(keyEncryptionKey.encrypt(made.privateKey().getEncoded()))
                .param(Timestamp.from(clock.instant()))
                .update();
        if (inserted == 1) {
            LOG.info("created the certificate authority '{}' (valid until {})",
                    made.certificate().getSubjectX500Principal().getName(), made.certificate().getNotAfter().toInstant());
        }
        return load().orElseThrow();
    }

    private Optional<Authority> load() {
        return jdbc.sql("select certificate_pem, encrypted_key from certificate_authority where id = 1")
                .query((rs, i) -> {
                    X509Certificate certificate = Pem.parseCertificate(rs.getString("certificate_pem"));
                    byte[] pkcs8 = keyEncryptionKey.decrypt(rs.getBytes("encrypted_key"));
                    try {
                        PrivateKey key = KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
                                .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                        return new Authority(certificate, key);
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("the stored CA private key is unreadable", e);
                    }
                })
                .optional();
    }

    private Authority create(String commonName, Duration lifetime) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Instant now = clock.instant();
            X500Name name = new X500Name("CN=" + commonName + ",O=Regatta");
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, Serials.next(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(lifetime)), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new Authority(certificate, pair.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the certificate authority", e);
        }
    }
}
