package dev.regatta.controlplane.api;

import dev.regatta.controlplane.Ids;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The refusals controllers throw; {@link ApiExceptionHandler} renders them as RFC 9457 problem+json. Every detail
 * says what to change, since it is all the caller sees.
 */
public final class Problems {

    private Problems() {
    }

    public static ErrorResponseException badRequest(String detail) {
        return problem(HttpStatus.BAD_REQUEST, detail);
    }

    public static ErrorResponseException notFound(String detail) {
        return problem(HttpStatus.NOT_FOUND, detail);
    }

    public static ErrorResponseException conflict(String detail) {
        return problem(HttpStatus.CONFLICT, detail);
    }

    /** A 401 that tells the client to authenticate with a bearer token (RFC 6750). */
    public static ErrorResponseException unauthorized(String detail) {
        ErrorResponseException e = problem(HttpStatus.UNAUTHORIZED, detail);
        e.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        return e;
    }

    public static ErrorResponseException problem(HttpStatus status, String detail) {
        return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
    }

    /**
     * Refuses an identifier of the wrong shape with 400, so that a typo is told apart from an ID that is well formed
     * but unknown (404).
     *
     * @param what the kind of thing, for the message ("file system")
     */
    public static String requireId(String prefix, String id, String what) {
        if (!Ids.isId(prefix, id)) {
            String shown = id.length() <= 40 ? id : id.substring(0, 40) + "...";
            throw badRequest("'" + shown + "' is not a " + what + " ID: expected " + prefix
                    + "- followed by 17 lowercase hex digits");
        }
        return id;
    }
}
