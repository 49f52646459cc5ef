package dev.regatta.controlplane.api;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.UUID;

/**
 * The servlet container's error page (what no exception handler answered: an unknown route, a method a route does
 * not take, an exception no advice handled) as problem+json like the rest of the API, never with the exception's
 * message, which may name internals; a 5xx logs its cause under a reference the caller is given. A request for
 * {@code /error} itself is an unknown route.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorController.class);

    @RequestMapping("/error")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (code == null) {
            // Asked for directly, not forwarded by the container: there is no error to tell, and no such endpoint.
            return problem(HttpStatus.NOT_FOUND, "no such endpoint: " + request.getRequestURI()
                    + " (the API is described at /api/v1/openapi.json)");
        }
        HttpStatus status = code instanceof Integer i && HttpStatus.resolve(i) != null ? HttpStatus.resolve(i)
                : HttpStatus.INTERNAL_SERVER_ERROR;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String detail = switch (status) {
            case NOT_FOUND -> "no such endpoint: " + uri + " (the API is described at /api/v1/openapi.json)";
            case METHOD_NOT_ALLOWED -> uri + " does not take this method (see /api/v1/openapi.json)";
            default -> status.is5xxServerError() ? unexpected(request, uri) : status.getReasonPhrase();
        };
        return problem(status, detail);
    }

    /** A failure no advice answered: the log gets its cause, the caller a reference to quote. */
    private static String unexpected(HttpServletRequest request, Object uri) {
        String reference = UUID.randomUUID().toString();
        Object cause = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        LOG.error("unexpected error answering {} {} (reference {})", request.getMethod(), uri, reference,
                cause instanceof Throwable t ? t : null);
        return "the control plane failed unexpectedly; its log has the cause under reference " + reference;
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
