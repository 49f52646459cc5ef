package dev.regatta.tunnel.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads the names a certificate is for, the way Regatta's certificates carry them. */
public final class CertificateNames {

    /** The GeneralName tag of a URI in {@link X509Certificate#getSubjectAlternativeNames()}. */
    private static final int URI = 6;

    private CertificateNames() {
    }

    /** Every URI among the subject alternative names, in certificate order. */
    public static List<String> uris(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("its subject alternative names are unreadable: " + e.getMessage(), e);
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (((Integer) name.get(0)) == URI) {
                    uris.add((String) name.get(1));
                }
            }
        }
        return uris;
    }

    /** The subject as an operator reads it in a log. */
    public static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
