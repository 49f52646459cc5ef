package dev.regatta.tunnel.testing;

import dev.regatta.pki.KeyMaterial;
import dev.regatta.tunnel.tls.TlsCredentials;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
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
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * An in-memory CA with one node and one mount certificate shaped like the control plane's, for the tunnel-loopback
 * benchmark (tests/bench) and the data plane's tests that run both tunnel ends: the tunnel then runs exactly as in
 * production, and nothing is written to disk. In this module's test jar, not its main jar.
 */
public final class ThrowawayPki {

    public static final String NODE_ID = "node-bench";

    private final TlsCredentials node;
    private final TlsCredentials mount;

    private ThrowawayPki(TlsCredentials node, TlsCredentials mount) {
        this.node = node;
        this.mount = mount;
    }

    public static ThrowawayPki create() throws GeneralSecurityException {
        KeyPair caKeys = KeyMaterial.generate();
        X500Name caName = new X500Name("CN=Regatta bench CA,O=Regatta");
        Instant now = Instant.now();
        try {
            X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), caName,
                    caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign)), caKeys);
            TlsCredentials node = issue(caName, caKeys, ca, 2, NODE_ID, KeyPurposeId.id_kp_serverAuth,
                    uri("regatta:node:" + NODE_ID), new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            TlsCredentials mount = issue(caName, caKeys, ca, 3, "mount-bench", KeyPurposeId.id_kp_clientAuth,
                    uri("regatta:fs:fs-bench"), uri("regatta:access:read-write"), uri("regatta:grant:grant-bench"),
                    uri("arn:aws:iam::123456789012:role/bench"));
            return new ThrowawayPki(node, mount);
        } catch (GeneralSecurityException e) {
            throw e;
        } catch (Exception e) {
            throw new GeneralSecurityException("cannot make the benchmark's certificates", e);
        }
    }

    public TlsCredentials node() {
        return node;
    }

    public TlsCredentials mount() {
        return mount;
    }

    private static TlsCredentials issue(X500Name caName, KeyPair caKeys, X509Certificate ca, long serial,
                                        String commonName, KeyPurposeId purpose, GeneralName... names)
            throws Exception {
        KeyPair keys = KeyMaterial.generate();
        Instant now = Instant.now();
        X509Certificate certificate = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(serial),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofHours(1))),
                new X500Name("CN=" + commonName + ",O=Regatta"), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                .addExtension(Extension.subjectAlternativeName, false, new DERSequence(names)), caKeys);
        return new TlsCredentials(keys.getPrivate(), List.of(certificate), List.of(ca));
    }

    private static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
