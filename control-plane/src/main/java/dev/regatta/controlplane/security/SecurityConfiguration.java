package dev.regatta.controlplane.security;

import dev.regatta.controlplane.api.BearerToken;
import dev.regatta.controlplane.api.ProblemWriter;
import dev.regatta.controlplane.node.BootstrapToken;
import dev.regatta.controlplane.node.NodeAuthenticationFilter;
import dev.regatta.controlplane.node.NodeRepository;
import dev.regatta.controlplane.token.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

import java.util.Set;

/**
 * Who may call what. Two filter chains:
 * <ul>
 * <li><b>Machines</b>: data-plane nodes (their bootstrap or node token, checked by {@link NodeAuthenticationFilter})
 * and {@code mount.regatta} (authenticated only by its STS proof, checked by the mount endpoint). Stateless, no
 * cookies, so no CSRF.</li>
 * <li><b>Admins</b>, everything else under /api/v1: either {@code Authorization: Bearer <admin API token>}
 * (scripts; per request, never a session) or the console's session cookie from {@code POST /api/v1/session}.</li>
 * </ul>
 * <p>
 * CSRF: a browser attaches the session cookie to any request, so a session request that changes state must prove
 * it comes from the console. The double-submit scheme: the control plane sets a random {@code XSRF-TOKEN} cookie
 * (readable by the console's script, SameSite=Strict) and such requests must repeat its value in the
 * {@code X-XSRF-TOKEN} header, which another site cannot read or set. Signing in is exempt from the token (see
 * {@link SessionController#signIn}). On top of the token, such a request (sign-in included) whose {@code Origin}
 * names another origin is refused ({@link SameOriginFilter}). Requests that carry a Bearer token are exempt from
 * both: a browser never adds that header by itself. A request without credentials that fails the token check is
 * told 401 (authenticate), like a GET, not 403. The session cookie itself is HttpOnly and SameSite=Strict
 * (application.yml).
 * <p>
 * The web console's pages ({@code static/} of the regatta-web-console jar, served by Spring Boot from the classpath,
 * {@code /} giving {@code index.html}) are readable without signing in: they hold no data, and the console must load
 * to show its sign-in form. Every answer carries {@link #CONTENT_SECURITY_POLICY}, so the pages may load script,
 * styles, images and data only from this origin and no inline script or style runs.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    static final String ADMIN_ROLE = "ADMIN";
    static final String ADMIN_AUTHORITY = "ROLE_" + ADMIN_ROLE;
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();
    /** The console's static files, readable without sign-in (GET and HEAD only). */
    static final String[] CONSOLE_PAGES = {"/", "/*.html", "/*.js", "/*.css", "/*.map", "/assets/**",
            "/favicon.ico", "/favicon.svg", "/favicon.png"};
    /**
     * For every answer: only this origin's script, styles, images, fonts and API; no inline script or style, no
     * plugins, no framing, forms post only here.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    @Bean
    @Order(1)
    SecurityFilterChain machines(HttpSecurity http, BootstrapToken bootstrapToken, NodeRepository nodes,
                                 ProblemWriter problems) throws Exception {
        var refusals = new ProblemAuthenticationHandlers(problems);
        RequestMatcher registration = PATHS.matcher(HttpMethod.POST, "/api/v1/nodes");
        RequestMatcher heartbeat = PATHS.matcher(HttpMethod.POST, "/api/v1/nodes/*/heartbeat");
        RequestMatcher mounts = PATHS.matcher(HttpMethod.POST, "/api/v1/mounts");
        RequestMatcher unmounts = PATHS.matcher(HttpMethod.POST, "/api/v1/mounts/*/unmount");
        RequestMatcher service = PATHS.matcher(HttpMethod.GET, "/api/v1/service");
        http.securityMatcher(new OrRequestMatcher(registration, heartbeat, mounts, unmounts, service))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .logout(logout -> logout.disable())
                .addFilterBefore(new NodeAuthenticationFilter(bootstrapToken, nodes, problems), CsrfFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(refusals).accessDeniedHandler(refusals))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(registration).hasRole(NodeAuthenticationFilter.REGISTRAR_ROLE)
                        .requestMatchers(heartbeat).hasRole(NodeAuthenticationFilter.NODE_ROLE)
                        .requestMatchers(mounts, unmounts, service).permitAll());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain admins(HttpSecurity http, ApiTokens tokens, ProblemWriter problems,
                               SecurityContextRepository sessionContexts, CsrfTokenRepository csrfTokens)
            throws Exception {
        var refusals = new ProblemAuthenticationHandlers(problems);
        RequestMatcher signIn = PATHS.matcher(HttpMethod.POST, "/api/v1/session");
        RequestMatcher browserStateChange = request -> !SAFE_METHODS.contains(request.getMethod())
                && !BearerToken.isPresent(request);
        RequestMatcher sessionStateChange = request -> browserStateChange.matches(request)
                && !signIn.matches(request);
        http.csrf(csrf -> csrf
                        .csrfTokenRepository(csrfTokens)
                        // The plain handler: the token travels in a header, not in a page that BREACH could probe.
                        .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                        .requireCsrfProtectionMatcher(sessionStateChange))
                // Only SessionController saves a sign-in. (Naming any session creation policy here would add a
                // filter that saves every newly authenticated context, giving each API-token request a session.)
                .securityContext(context -> context.securityContextRepository(sessionContexts))
                .requestCache(cache -> cache.disable())
                .logout(logout -> logout.disable())
                .addFilterBefore(new ApiTokenAuthenticationFilter(tokens, problems), CsrfFilter.class)
                .addFilterBefore(new SameOriginFilter(browserStateChange, problems), CsrfFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(refusals).accessDeniedHandler(refusals))
                .headers(SecurityConfiguration::pageHeaders)
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.GET, CONSOLE_PAGES).permitAll()
                        .requestMatchers(HttpMethod.HEAD, CONSOLE_PAGES).permitAll()
                        // Without /error, a validation error's forward to it would turn into 401.
                        .requestMatchers("/error").permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/v1/openapi.json", "/api/v1/openapi.json/**").permitAll()
                        .requestMatchers("/api/v1/session").permitAll()
                        .anyRequest().hasRole(ADMIN_ROLE));
        return http.build();
    }

    /**
     * Spring Security's defaults (nosniff, X-Frame-Options DENY, no caching of API answers) plus a content security
     * policy and no referrer leaving the origin.
     */
    private static void pageHeaders(HeadersConfigurer<HttpSecurity> headers) {
        headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                .referrerPolicy(referrer -> referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN))
                .contentTypeOptions(Customizer.withDefaults())
                .frameOptions(frames -> frames.deny());
    }

    /**
     * Spring Security's firewall refuses URLs that could be read two ways (an encoded '%', '.', ';' or '\\', a
     * control character, "//"...): answered as problem+json, like every other error.
     */
    @Bean
    RequestRejectedHandler problemForRejectedRequests(ProblemWriter problems) {
        return (request, response, rejected) -> problems.write(response, HttpStatus.BAD_REQUEST, "the request's "
                + "URL is refused: it must not contain encoded '/', '%', '.', ';' or '\\', control characters or "
                + "empty path segments");
    }

    /** Console sessions keep their sign-in here; API-token requests never touch it. */
    @Bean
    SecurityContextRepository sessionContexts() {
        return new HttpSessionSecurityContextRepository();
    }

    @Bean
    CsrfTokenRepository csrfTokens() {
        CookieCsrfTokenRepository tokens = CookieCsrfTokenRepository.withHttpOnlyFalse();
        tokens.setCookiePath("/");
        tokens.setCookieCustomizer(cookie -> cookie.sameSite("Strict"));
        return tokens;
    }
}
