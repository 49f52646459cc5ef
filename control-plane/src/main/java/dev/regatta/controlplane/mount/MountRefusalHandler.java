package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.api.ApiExceptionHandler;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns refusals of mounts, renewals and unmount reports into problem+json, for {@link MountController} only (the
 * API's general errors live elsewhere).
 */
@RestControllerAdvice(assignableTypes = MountController.class)
class MountRefusalHandler {

    private final MountAdmission admission;

    MountRefusalHandler(MountAdmission admission) {
        this.admission = admission;
    }

    @ExceptionHandler(MountRefusedException.class)
    ResponseEntity<ProblemDetail> refused(MountRefusedException refusal, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(refusal.status(), refusal.reason());
        problem.setTitle(isUnmount(request) ? "Unmount report refused" : "Mount refused");
        ResponseEntity.BodyBuilder response = ResponseEntity.status(refusal.status());
        if (refusal.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(refusal.retryAfter().toSeconds()));
        }
        return response.body(problem);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
        // Bounded already: field names and Jackson's words are shortened, values never quoted.
        String problem = ApiExceptionHandler.unreadableBody(e).replaceAll("\\p{Cntrl}", "?");
        return refused(admission.refuseUnreadable(isUnmount(request), problem, request.getRemoteAddr()), request);
    }

    private static boolean isUnmount(HttpServletRequest request) {
        return request.getRequestURI().endsWith("/unmount");
    }
}
