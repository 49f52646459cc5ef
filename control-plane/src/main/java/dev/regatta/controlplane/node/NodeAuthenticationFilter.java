package dev.regatta.controlplane.node;

import dev.regatta.controlplane.Secrets;
import dev.regatta.controlplane.api.BearerToken;
import dev.regatta.controlplane.api.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Authenticates data-plane nodes before their requests are read: registration by the deployment's bootstrap token
 * (role NODE_REGISTRAR), heartbeats by the node's own token (role NODE, principal the node ID of the path). A wrong
 * token is answered 401 here; per the protocol, a node told 401 on a heartbeat registers anew.
 */
public class NodeAuthenticationFilter extends OncePerRequestFilter {

    public static final String REGISTRAR_ROLE = "NODE_REGISTRAR";
    public static final String NODE_ROLE = "NODE";

    private static final Logger LOG = LoggerFactory.getLogger(NodeAuthenticationFilter.class);
    private static final RequestMatcher REGISTRATION =
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/api/v1/nodes");
    private static final RequestMatcher HEARTBEAT =
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/api/v1/nodes/{nodeId}/heartbeat");

    private final BootstrapToken bootstrapToken;
    private final NodeRepository nodes;
    private final ProblemWriter problems;

    public NodeAuthenticationFilter(BootstrapToken bootstrapToken, NodeRepository nodes, ProblemWriter problems) {
        this.bootstrapToken = bootstrapToken;
        this.nodes = nodes;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> token = BearerToken.from(request);
        if (REGISTRATION.matches(request)) {
            if (token.isEmpty() || !bootstrapToken.matches(token.get())) {
                LOG.warn("node registration from {} refused: wrong or missing bootstrap token",
                        request.getRemoteAddr());
                problems.write(response, HttpStatus.UNAUTHORIZED, "a node registers with the deployment's bootstrap "
                        + "token (regatta.nodes.bootstrap-token) as 'Authorization: Bearer <token>'");
                return;
            }
            authenticate("bootstrap", REGISTRAR_ROLE);
        } else {
            RequestMatcher.MatchResult heartbeat = HEARTBEAT.matcher(request);
            if (heartbeat.isMatch()) {
                String nodeId = heartbeat.getVariables().get("nodeId");
                if (token.isEmpty() || !isNodeToken(nodeId, token.get())) {
                    LOG.warn("heartbeat from {} for node {} refused: unknown node or wrong node token; the node "
                            + "should register anew", request.getRemoteAddr(), nodeId);
                    problems.write(response, HttpStatus.UNAUTHORIZED, "unknown node or wrong node token: register "
                            + "the node again (POST /api/v1/nodes with the bootstrap token)");
                    return;
                }
                authenticate(nodeId, NODE_ROLE);
            }
        }
        chain.doFilter(request, response);
    }

    private boolean isNodeToken(String nodeId, String token) {
        return nodes.tokenHash(nodeId).map(hash -> MessageDigest.isEqual(hash, Secrets.sha256(token)))
                .orElse(false);
    }

    private static void authenticate(String principal, String role) {
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(principal, null,
                AuthorityUtils.createAuthorityList("ROLE_" + role)));
        SecurityContextHolder.setContext(context);
    }
}
