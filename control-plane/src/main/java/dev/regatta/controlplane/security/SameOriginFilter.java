package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The second half of the CSRF defence, next to the double-submit token: a browser names the page that sent a
 * request in {@code Origin}, and a request that changes state by session must come from this API's own origin.
 * A request without {@code Origin} (not a browser, or an old one) is left to the token check alone.
 */
class SameOriginFilter extends OncePerRequestFilter {

    private final RequestMatcher checked;
    private final ProblemWriter problems;

    /** @param checked the requests whose Origin must be this API's own when present */
    SameOriginFilter(RequestMatcher checked, ProblemWriter problems) {
        this.checked = checked;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && checked.matches(request) && !isOwn(origin, request)) {
            String own = ownOrigin(request);
            problems.write(response, HttpStatus.FORBIDDEN, "the request comes from origin '"
                    + (origin.length() <= 100 ? origin : origin.substring(0, 100) + "...") + "', not from " + own
                    + ": a change signed in by session must come from the console at " + own);
            return;
        }
        chain.doFilter(request, response);
    }

    /** As the request reached us: scheme, host and port, as a proxy forwarded them when so configured. */
    private static String ownOrigin(HttpServletRequest request) {
        return request.getScheme().toLowerCase(Locale.ROOT) + "://" + request.getServerName().toLowerCase(Locale.ROOT)
                + ":" + request.getServerPort();
    }

    private static boolean isOwn(String origin, HttpServletRequest request) {
        URI uri;
        try {
            uri = new URI(origin.strip());
        } catch (URISyntaxException e) {
            return false; // "null" (a sandboxed or privacy-hidden sender) and garbage are not this origin
        }
        if (uri.getScheme() == null || uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            return false;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        return scheme.equalsIgnoreCase(request.getScheme()) && uri.getHost().equalsIgnoreCase(request.getServerName())
                && port == request.getServerPort();
    }
}
