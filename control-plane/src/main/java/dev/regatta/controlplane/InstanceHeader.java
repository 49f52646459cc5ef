package dev.regatta.controlplane;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Lets the process that started this control plane tell it from another one on the same port: {@code regatta up}
 * passes a random value in {@code REGATTA_INSTANCE_NONCE} and accepts the API as its own only if answers carry it
 * back. A control plane left over from an earlier {@code up} (or anything else on the port) answers without it. The
 * value identifies, it does not authenticate: it travels on every answer, before any authentication.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
@ConditionalOnProperty(name = "regatta.instance-nonce")
public class InstanceHeader extends OncePerRequestFilter {

    /** The answer header carrying the value. */
    public static final String HEADER = "X-Regatta-Instance";

    private final String nonce;

    /** {@code regatta.instance-nonce}: only set by the process that starts the control plane as its child. */
    public InstanceHeader(@Value("${regatta.instance-nonce}") String nonce) {
        this.nonce = nonce;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(HEADER, nonce);
        chain.doFilter(request, response);
    }
}
