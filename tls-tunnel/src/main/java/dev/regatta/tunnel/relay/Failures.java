package dev.regatta.tunnel.relay;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateException;
import java.util.Map;

/** Turns the exception chains of TLS and sockets into the one sentence an operator needs. */
public final class Failures {

    /** BoringSSL's reason codes an operator meets, in the words the JDK's TLS would have used. */
    private static final Map<String, String> BORINGSSL_REASONS = Map.of(
            "PEER_DID_NOT_RETURN_A_CERTIFICATE", "the peer sent no client certificate",
            "CERTIFICATE_VERIFY_FAILED", "the peer's certificate was not accepted",
            "TLSV1_ALERT_CERTIFICATE_EXPIRED", "the peer refused this end's certificate: it expired",
            "SSLV3_ALERT_BAD_CERTIFICATE", "the peer refused this end's certificate",
            "TLSV1_ALERT_UNKNOWN_CA", "the peer does not trust the CA of this end's certificate",
            "TLSV1_CERTIFICATE_REQUIRED", "the peer requires a client certificate and got none");

    private Failures() {
    }

    /** Adds a sentence to a BoringSSL error line such as {@code error:...:OPENSSL_internal:CODE}. */
    private static String inWords(String message) {
        for (Map.Entry<String, String> reason : BORINGSSL_REASONS.entrySet()) {
            if (message.contains(":" + reason.getKey())) {
                return reason.getValue() + " (" + message + ")";
            }
        }
        return message;
    }

    /**
     * The certificate verdict if there is one (the outermost, which is ours and names the certificate), else the
     * TLS failure, else the root cause.
     */
    public static String describe(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateException && cause.getMessage() != null) {
                return cause.getMessage();
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException && cause.getMessage() != null) {
                return inWords(cause.getMessage());
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
