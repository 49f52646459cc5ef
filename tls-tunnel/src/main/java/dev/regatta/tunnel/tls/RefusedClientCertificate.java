package dev.regatta.tunnel.tls;

import java.security.cert.CertificateException;
import java.util.Objects;

/**
 * Why the server end refused a mount's certificate, carried from the trust manager (inside the TLS handshake) to the
 * server's refusal log and counters, which only see the handshake's failure.
 */
public final class RefusedClientCertificate extends CertificateException {

    /** The kinds of refusal an operator acts on differently; each has its own TLS alert where the TLS allows. */
    public enum Reason {
        /** Not issued by one of the CA certificates (another CA, or a self-signed forgery): alert unknown_ca. */
        UNKNOWN_ISSUER,
        /** Past its end of validity: alert certificate_expired. */
        EXPIRED,
        /**
         * Before its start of validity (a clock off on one side): alert certificate_expired, which TLS defines as
         * "expired or not currently valid".
         */
        NOT_YET_VALID,
        /** Chains to the CA but is not a mount's (extended key usage, names): alert bad_certificate. */
        NOT_A_MOUNT_CERTIFICATE
    }

    private final Reason reason;

    RefusedClientCertificate(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
