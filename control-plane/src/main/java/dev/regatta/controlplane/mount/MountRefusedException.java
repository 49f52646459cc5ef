package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.mount.sts.ProofRefusedException;
import org.springframework.http.HttpStatus;

import java.time.Duration;

/**
 * Why a mount, a renewal or an unmount report was refused, with the HTTP status the caller gets. The reason is both
 * the problem's {@code detail} and the audit row's reason, so it must say what to fix and must never contain a secret
 * (a signature, a token, a CSR).
 */
public final class MountRefusedException extends RuntimeException {

    private final HttpStatus status;
    private final String principalArn;
    private final Duration retryAfter;

    private MountRefusedException(HttpStatus status, String reason, String principalArn, Duration retryAfter) {
        super(reason, null, false, false);
        this.status = status;
        this.principalArn = principalArn;
        this.retryAfter = retryAfter;
    }

    static MountRefusedException badRequest(String reason) {
        return new MountRefusedException(HttpStatus.BAD_REQUEST, reason, null, null);
    }

    static MountRefusedException forbidden(String reason) {
        return new MountRefusedException(HttpStatus.FORBIDDEN, reason, null, null);
    }

    static MountRefusedException notFound(String reason) {
        return new MountRefusedException(HttpStatus.NOT_FOUND, reason, null, null);
    }

    static MountRefusedException conflict(String reason) {
        return new MountRefusedException(HttpStatus.CONFLICT, reason, null, null);
    }

    static MountRefusedException unavailable(String reason) {
        return new MountRefusedException(HttpStatus.SERVICE_UNAVAILABLE, reason, null, null);
    }

    static MountRefusedException tooManyRefusals(String reason, Duration retryAfter) {
        return new MountRefusedException(HttpStatus.TOO_MANY_REQUESTS, reason, null, retryAfter);
    }

    /** The refusal of a mount request whose proof was refused, with the proof's status and reason. */
    static MountRefusedException of(ProofRefusedException refusal) {
        return new MountRefusedException(refusal.status(), refusal.reason(), null, null);
    }

    /** The same refusal, of a caller STS has identified. */
    MountRefusedException of(String principalArn) {
        return new MountRefusedException(status, getMessage(), principalArn, retryAfter);
    }

    public HttpStatus status() {
        return status;
    }

    public String reason() {
        return getMessage();
    }

    /** The caller's ARN once STS has named it, else null. */
    public String principalArn() {
        return principalArn;
    }

    /** For 429 only: when the source may try again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
