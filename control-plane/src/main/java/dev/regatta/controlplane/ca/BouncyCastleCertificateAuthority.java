package dev.regatta.controlplane.ca;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.pki.Pem;
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
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The deployment's CA on Bouncy Castle: an ECDSA P-256 key made on first start and kept encrypted in PostgreSQL.
 * Subjects and extensions follow docs/control-plane-protocols.md ("Certificates"). Requests must prove possession
 * of their key (the CSR's signature) and use a key strong enough to be worth certifying
 * ({@link CertificationRequests}).
 */
@Component
public class BouncyCastleCertificateAuthority implements CertificateAuthority {

    /** Certificates start a little in the past, so that a client whose clock lags can still use them at once. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");

    private final AuthorityKeyStore.Authority authority;
    private final ControlPlaneProperties.Ca settings;
    private final Clock clock;

    @Autowired
    public BouncyCastleCertificateAuthority(JdbcClient jdbc, ControlPlaneProperties properties) {
        this(jdbc, properties, Clock.systemUTC());
    }

    BouncyCastleCertificateAuthority(JdbcClient jdbc, ControlPlaneProperties properties, Clock clock) {
        this.settings = properties.ca();
        this.clock = clock;
        this.authority = new AuthorityKeyStore(jdbc, KeyEncryptionKey.from(properties), clock)
                .loadOrCreate("Regatta CA " + LocalDate.now(clock.withZone(ZoneOffset.UTC)), settings.authorityTtl());
    }

    @Override
    public IssuedCertificate issueNodeCertificate(String csrPem, String nodeId, String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the node's address has no host");
        }
        GeneralName hostName = isIpAddress(host) ? new GeneralName(GeneralName.iPAddress, stripBrackets(host))
                : dnsName(host);
        return issue(csrPem, nodeId, settings.nodeCertificateTtl(), KeyPurposeId.id_kp_serverAuth,
                List.of(uri("regatta:node:" + nodeId), hostName));
    }

    @Override
    public IssuedCertificate issueClientCertificate(String csrPem, ClientIdentity identity) {
        String access = identity.access() == AccessLevel.READ_ONLY ? "read-only" : "read-write";
        return issue(csrPem, identity.mountId(), settings.clientCertificateTtl(), KeyPurposeId.id_kp_clientAuth,
                List.of(uri("regatta:fs:" + identity.fileSystemId()), uri("regatta:access:" + access),
                        uri("regatta:grant:" + identity.grantId()), uri(identity.principalArn())));
    }

    @Override
    public List<String> caCertificatesPem() {
        return List.of(Pem.encode(authority.certificate()));
    }

    /** The CA certificate itself (for tests and for the data plane's trust store). */
    public X509Certificate certificate() {
        return authority.certificate();
    }

    private IssuedCertificate issue(String csrPem, String commonName, Duration lifetime, KeyPurposeId purpose,
                                    List<GeneralName> alternativeNames) {
        PublicKey key = CertificationRequests.certifiableKey(csrPem);
        Instant now = clock.instant();
        // X.509 times have whole seconds; what callers are told must be what the certificate says.
        Instant notAfter = now.plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
        Instant authorityEnd = authority.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(authorityEnd)) {
            notAfter = authorityEnd; // never outlive the CA
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName)
                .addRDN(BCStyle.O, "Regatta").build();
        int usage = KeyUsage.digitalSignature | (key instanceof RSAPublicKey ? KeyUsage.keyEncipherment : 0);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new JcaX509CertificateHolder(authority.certificate()).getSubject(), Serials.next(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new DERSequence(alternativeNames.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(authority.certificate()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(authority.privateKey())));
            return new IssuedCertificate(Pem.encode(certificate),
                    HexFormat.of().formatHex(certificate.getSerialNumber().toByteArray()), notAfter);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a certificate for " + commonName, e);
        }
    }

    private static GeneralName uri(String value) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, value);
    }

    private static GeneralName dnsName(String host) {
        if (!DNS_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a DNS name");
        }
        return new GeneralName(GeneralName.dNSName, host);
    }

    private static boolean isIpAddress(String host) {
        String h = stripBrackets(host);
        return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.contains(":");
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
