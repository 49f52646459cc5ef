package dev.regatta.controlplane.mount.sts;

import org.springframework.http.HttpStatus;

/**
 * Why an STS proof does not establish who the caller is, with the HTTP status the caller gets: 400 for a proof of the
 * wrong shape or bound to the wrong endpoint, 403 when STS rejects it, 503 when STS cannot be asked. The mount
 * endpoint refuses the request with the same status and reason, so the reason must say what to fix and must never
 * contain a secret (a signature, a session token).
 */
public final class ProofRefusedException extends RuntimeException {

    private final HttpStatus status;

    private ProofRefusedException(HttpStatus status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    static ProofRefusedException badRequest(String reason) {
        return new ProofRefusedException(HttpStatus.BAD_REQUEST, reason);
    }

    static ProofRefusedException forbidden(String reason) {
        return new ProofRefusedException(HttpStatus.FORBIDDEN, reason);
    }

    static ProofRefusedException unavailable(String reason) {
        return new ProofRefusedException(HttpStatus.SERVICE_UNAVAILABLE, reason);
    }

    public HttpStatus status() {
        return status;
    }

    public String reason() {
        return getMessage();
    }
}
