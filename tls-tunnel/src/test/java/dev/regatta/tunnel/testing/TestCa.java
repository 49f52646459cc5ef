package dev.regatta.tunnel.testing;

import dev.regatta.pki.KeyMaterial;
import dev.regatta.tunnel.tls.TlsCredentials;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throwaway certificate authority for tests, issuing certificates shaped like the control plane's
 * (docs/control-plane-protocols.md, "Certificates"), and the malformed ones the tunnel must refuse.
 */
public final class TestCa {

    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    public static TestCa create(String name) {
        KeyPair keys = KeyMaterial.generate();
        X500Name subject = name(name);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(10))), subject,
                keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TestCa(keys, sign(builder, keys));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A mount's client certificate as the control plane issues it. */
    public Issuer client(String mountId) {
        return new Issuer(this, mountId).purpose(KeyPurposeId.id_kp_clientAuth)
                .uri("regatta:fs:fs-0123456789abcdef0").uri("regatta:access:read-write")
                .uri("regatta:grant:grant-" + mountId).uri("arn:aws:sts::123456789012:assumed-role/app/i-0abc");
    }

    /** A node's certificate as the control plane issues it, for an address on loopback. */
    public Issuer node(String nodeId) {
        return new Issuer(this, nodeId).purpose(KeyPurposeId.id_kp_serverAuth).uri("regatta:node:" + nodeId)
                .ipAddress("127.0.0.1");
    }

    /** Builds one certificate; every setting starts as the control plane's. */
    public static final class Issuer {

        private final TestCa ca;
        private final String commonName;
        private final List<GeneralName> alternativeNames = new ArrayList<>();
        private KeyPurposeId purpose;
        private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
        private Instant notAfter = Instant.now().plus(Duration.ofHours(1));
        private boolean selfSigned;

        private Issuer(TestCa ca, String commonName) {
            this.ca = ca;
            this.commonName = commonName;
        }

        public Issuer uri(String uri) {
            alternativeNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        public Issuer ipAddress(String ip) {
            alternativeNames.add(new GeneralName(GeneralName.iPAddress, ip));
            return this;
        }

        public Issuer dnsName(String name) {
            alternativeNames.add(new GeneralName(GeneralName.dNSName, name));
            return this;
        }

        public Issuer withoutAlternativeNames() {
            alternativeNames.clear();
            return this;
        }

        public Issuer purpose(KeyPurposeId purpose) {
            this.purpose = purpose;
            return this;
        }

        public Issuer validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        /** Signed by its own key instead of the CA's, with the CA's name as issuer: a forgery. */
        public Issuer selfSigned() {
            this.selfSigned = true;
            return this;
        }

        public Issued issue() {
            KeyPair keys = KeyMaterial.generate();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(ca.certificate.getSubjectX500Principal().getEncoded()), serial(),
                    Date.from(notBefore),
                    Date.from(notAfter), name("CN=" + commonName + ",O=Regatta"), keys.getPublic());
            try {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                if (purpose != null) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                }
                if (!alternativeNames.isEmpty()) {
                    builder.addExtension(Extension.subjectAlternativeName, false,
                            new DERSequence(alternativeNames.toArray(GeneralName[]::new)));
                }
                return new Issued(keys, sign(builder, selfSigned ? keys : ca.keys));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An issued certificate with its key. */
    public record Issued(KeyPair keys, X509Certificate certificate) {

        /** Credentials presenting this certificate and trusting the given CAs. */
        public TlsCredentials trusting(TestCa... cas) {
            List<X509Certificate> caCertificates = new ArrayList<>();
            for (TestCa ca : cas) {
                caCertificates.add(ca.certificate());
            }
            return new TlsCredentials(keys.getPrivate(), List.of(certificate), caCertificates);
        }
    }

    private static X500Name name(String distinguishedName) {
        if (!distinguishedName.contains("=")) {
            return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, distinguishedName)
                    .addRDN(BCStyle.O, "Regatta").build();
        }
        return new X500Name(distinguishedName);
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
