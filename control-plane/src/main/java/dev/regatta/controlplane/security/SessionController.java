package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The web console's sign-in: an HTTP session cookie for the admin account. See {@link SecurityConfiguration} for
 * the CSRF scheme that session requests follow.
 */
@RestController
@RequestMapping("/api/v1/session")
public class SessionController {

    private static final Logger LOG = LoggerFactory.getLogger(SessionController.class);

    private final AuthenticationManager authenticationManager;
    private final SecurityContextRepository sessionContexts;
    private final CsrfTokenRepository csrfTokens;
    private final LoginThrottle throttle;

    SessionController(AuthenticationManager authenticationManager, SecurityContextRepository sessionContexts,
                      CsrfTokenRepository csrfTokens, LoginThrottle throttle) {
        this.authenticationManager = authenticationManager;
        this.sessionContexts = sessionContexts;
        this.csrfTokens = csrfTokens;
        this.throttle = throttle;
    }

    /** Who is signed in; also sets the XSRF-TOKEN cookie the console needs for its next changes. */
    @GetMapping
    public SessionView current(HttpServletRequest httpRequest) {
        if (httpRequest.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken csrfToken) {
            csrfToken.getToken(); // loading the deferred token is what writes its cookie
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof AdminPrincipal admin) {
            return new SessionView(true, admin.name(), admin.method());
        }
        return SessionView.SIGNED_OUT;
    }

    /**
     * Signs in: a new session (never one the caller brought, against session fixation) and a new CSRF token.
     * Exempt from CSRF: with one admin account, a forged sign-in could only sign a victim in as that admin, which
     * needs the password anyway.
     */
    @PostMapping
    public SessionView signIn(@Valid @RequestBody SignInRequest request, HttpServletRequest httpRequest,
                              HttpServletResponse httpResponse) {
        String source = httpRequest.getRemoteAddr();
        Instant now = Instant.now();
        Optional<Duration> blocked = throttle.blockedFor(source, now);
        if (blocked.isPresent()) {
            long seconds = Math.max(1, blocked.get().toSeconds());
            ErrorResponseException tooMany = Problems.problem(HttpStatus.TOO_MANY_REQUESTS, "too many failed "
                    + "sign-ins from " + source + "; try again in " + seconds + " s");
            tooMany.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
            throw tooMany;
        }
        Authentication authentication;
        try {
            authentication = authenticationManager.authenticate(
                    UsernamePasswordAuthenticationToken.unauthenticated(request.username(), request.password()));
        } catch (AuthenticationException e) {
            throttle.recordFailure(source, now);
            LOG.warn("failed console sign-in from {}", source);
            throw Problems.unauthorized("wrong username or password");
        }
        throttle.reset(source);
        HttpSession previous = httpRequest.getSession(false);
        if (previous != null) {
            previous.invalidate();
        }
        httpRequest.getSession(true);
        AdminPrincipal admin = new AdminPrincipal(authentication.getName(), AdminPrincipal.Method.SESSION, null);
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(admin, null,
                authentication.getAuthorities()));
        SecurityContextHolder.setContext(context);
        sessionContexts.saveContext(context, httpRequest, httpResponse);
        csrfTokens.saveToken(csrfTokens.generateToken(httpRequest), httpRequest, httpResponse);
        LOG.info("admin '{}' signed in to the console from {}", admin.name(), source);
        return new SessionView(true, admin.name(), admin.method());
    }

    @DeleteMapping
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void signOut(HttpServletRequest httpRequest, HttpServletResponse httpResponse) {
        HttpSession session = httpRequest.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        SecurityContextHolder.clearContext();
        csrfTokens.saveToken(null, httpRequest, httpResponse);
    }
}
