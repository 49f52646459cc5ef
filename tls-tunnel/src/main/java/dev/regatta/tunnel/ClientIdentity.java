package dev.regatta.tunnel;

import dev.regatta.tunnel.tls.CertificateNames;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Who is at the other end of a tunnel: the mount a client certificate was issued for, as the control plane's CA
 * wrote it (docs/control-plane-protocols.md, "Certificates"). Only ever built from a certificate whose chain has
 * already been verified; parsing checks the content, not the signature.
 *
 * @param mountId      the certificate's CN
 * @param fileSystemId from {@code regatta:fs:<id>}
 * @param access       from {@code regatta:access:read-write|read-only}
 * @param grantId      from {@code regatta:grant:<id>}, the grant that admitted the mount
 * @param principalArn the caller's ARN, a URI of its own ({@code arn:aws:...})
 * @param notAfter     the certificate's end of validity
 */
public record ClientIdentity(String mountId, String fileSystemId, CertifiedAccess access, String grantId,
                             String principalArn, Instant notAfter) {

    private static final String FS = "regatta:fs:";
    private static final String ACCESS = "regatta:access:";
    private static final String GRANT = "regatta:grant:";
    private static final String ARN = "arn:";

    public ClientIdentity {
        Objects.requireNonNull(mountId, "mountId");
        Objects.requireNonNull(fileSystemId, "fileSystemId");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(principalArn, "principalArn");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /**
     * Reads the identity of a verified client certificate.
     *
     * @throws IllegalArgumentException naming what is missing or ambiguous, when the certificate is not a mount's
     */
    public static ClientIdentity fromCertificate(X509Certificate certificate) {
        String subject = CertificateNames.subject(certificate);
        try {
            List<String> uris = CertificateNames.uris(certificate);
            return new ClientIdentity(commonName(certificate), single(uris, FS, "file system"),
                    CertifiedAccess.fromUriValue(single(uris, ACCESS, "access")), single(uris, GRANT, "grant"),
                    ARN + single(uris, ARN, "caller ARN"), certificate.getNotAfter().toInstant());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the certificate of '" + subject + "' is not a Regatta mount's: "
                    + e.getMessage(), e);
        }
    }

    /** The value after {@code prefix} of the one URI that has it; a missing or repeated one is refused. */
    private static String single(List<String> uris, String prefix, String what) {
        List<String> values = uris.stream().filter(uri -> uri.startsWith(prefix))
                .map(uri -> uri.substring(prefix.length())).toList();
        if (values.isEmpty() || values.get(0).isEmpty()) {
            throw new IllegalArgumentException("it has no " + what + " (a subject alternative name URI "
                    + prefix + "...)");
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException("it has " + values.size() + " " + what + " URIs (" + prefix
                    + "...), expected one");
        }
        return values.get(0);
    }

    private static String commonName(X509Certificate certificate) {
        RDN[] cns = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        if (cns.length != 1) {
            throw new IllegalArgumentException("its subject needs exactly one CN, the mount ID");
        }
        return IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
