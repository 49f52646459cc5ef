package dev.regatta.tunnel.server;

import dev.regatta.tunnel.tls.RefusedClientCertificate;

/**
 * Why the server refused a connection, as counted ({@link TunnelServer#refusals()}): each kind points an operator at
 * a different fix. {@link #code()} is the stable name for metrics and logs.
 */
public enum RefusalReason {
    /** The certificate is not from one of the CA certificates (another CA, a forgery). */
    UNKNOWN_ISSUER("unknown-issuer"),
    /** The certificate expired (the mount's tunnel did not renew it). */
    CERTIFICATE_EXPIRED("certificate-expired"),
    /** The certificate is not valid yet (a clock is off). */
    CERTIFICATE_NOT_YET_VALID("certificate-not-yet-valid"),
    /** The certificate chains to the CA but is not a mount's (extended key usage, names). */
    NOT_A_MOUNT_CERTIFICATE("not-a-mount-certificate"),
    /** The client presented no certificate. */
    NO_CERTIFICATE("no-certificate"),
    /** The TLS handshake failed otherwise (protocol version, cipher suites, garbage). */
    HANDSHAKE_FAILED("handshake-failed"),
    /** The client names another tunnel protocol, or none, in ALPN. */
    WRONG_PROTOCOL("wrong-protocol"),
    /** The {@link Admission} refused the mount or failed. */
    NOT_ADMITTED("not-admitted");

    private final String code;

    RefusalReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    static RefusalReason of(RefusedClientCertificate.Reason reason) {
        return switch (reason) {
            case UNKNOWN_ISSUER -> UNKNOWN_ISSUER;
            case EXPIRED -> CERTIFICATE_EXPIRED;
            case NOT_YET_VALID -> CERTIFICATE_NOT_YET_VALID;
            case NOT_A_MOUNT_CERTIFICATE -> NOT_A_MOUNT_CERTIFICATE;
        };
    }
}
