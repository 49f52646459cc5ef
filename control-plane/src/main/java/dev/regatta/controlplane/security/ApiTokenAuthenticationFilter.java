package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.BearerToken;
import dev.regatta.controlplane.api.ProblemWriter;
import dev.regatta.controlplane.token.ApiToken;
import dev.regatta.controlplane.token.ApiTokens;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;

/**
 * Authenticates {@code Authorization: Bearer <admin API token>} as an admin for this request only (nothing goes
 * into a session). A request that names the Bearer scheme with a wrong or revoked token is refused outright, never
 * left to fall back to a session cookie it may also carry.
 */
class ApiTokenAuthenticationFilter extends OncePerRequestFilter {

    private final ApiTokens tokens;
    private final ProblemWriter problems;

    ApiTokenAuthenticationFilter(ApiTokens tokens, ProblemWriter problems) {
        this.tokens = tokens;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!BearerToken.isPresent(request)) {
            chain.doFilter(request, response);
            return;
        }
        Optional<ApiToken> token = BearerToken.from(request).flatMap(tokens::authenticate);
        if (token.isEmpty()) {
            problems.write(response, HttpStatus.UNAUTHORIZED, "the API token is unknown or revoked; create one "
                    + "with POST /api/v1/tokens while signed in");
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                new AdminPrincipal(token.get().name(), AdminPrincipal.Method.API_TOKEN, token.get().id()), null,
                AuthorityUtils.createAuthorityList(SecurityConfiguration.ADMIN_AUTHORITY)));
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }
}
