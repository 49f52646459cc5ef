package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CsrfException;

import java.io.IOException;

/** Spring Security's refusals (401, 403) as problem+json that says how to get in. */
class ProblemAuthenticationHandlers implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final ProblemWriter problems;

    ProblemAuthenticationHandlers(ProblemWriter problems) {
        this.problems = problems;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response,
                         AuthenticationException authException) throws IOException {
        problems.write(response, HttpStatus.UNAUTHORIZED, "authentication required: send an admin API token as "
                + "'Authorization: Bearer <token>', or sign in to the console with POST /api/v1/session");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response,
                       AccessDeniedException accessDeniedException) throws IOException {
        if (accessDeniedException instanceof CsrfException && !isAuthenticated()) {
            // The CSRF check runs before authorization: without credentials, what to fix first is signing in.
            commence(request, response, null);
        } else if (accessDeniedException instanceof CsrfException) {
            problems.write(response, HttpStatus.FORBIDDEN, "missing or wrong CSRF token: a request signed in by "
                    + "session must repeat the XSRF-TOKEN cookie's value in the X-XSRF-TOKEN header");
        } else {
            problems.write(response, HttpStatus.FORBIDDEN, "not allowed for this caller");
        }
    }

    private static boolean isAuthenticated() {
        Authentication authentication = SecurityContextHolder.getContextHolderStrategy().getContext()
                .getAuthentication();
        return authentication != null && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken);
    }
}
