package dev.regatta.tunnel.relay;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateException;

/** Turns the exception chains of TLS and sockets into the one sentence an operator needs. */
public final class Failures {

    private Failures() {
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
                return cause.getMessage();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
