package dev.regatta.controlplane.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;

import java.util.Optional;

/** The secret of an {@code Authorization: Bearer <token>} header (RFC 6750), if the request has one. */
public final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private BearerToken() {
    }

    public static Optional<String> from(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Optional.empty();
        }
        String token = header.substring(SCHEME.length()).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    /** Whether the request names the Bearer scheme at all, even with an empty token. */
    public static boolean isPresent(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        return header != null && (header.strip().equalsIgnoreCase(SCHEME.strip())
                || header.regionMatches(true, 0, SCHEME, 0, SCHEME.length()));
    }
}
