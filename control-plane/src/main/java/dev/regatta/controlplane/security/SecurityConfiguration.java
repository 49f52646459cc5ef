package dev.regatta.controlplane.security;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may call what. Mounts are authenticated only by their STS proof and nodes by their own tokens, both checked
 * by their controllers; everything else under /api/v1 needs an admin.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> auth
                        // Without /error, a validation error's forward to it would turn into 401.
                        .requestMatchers("/error").permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/v1/openapi.json", "/api/v1/openapi.json/**",
                                "/api/v1/service").permitAll()
                        .requestMatchers(HttpMethod.POST, "/api/v1/mounts", "/api/v1/nodes",
                                "/api/v1/nodes/*/heartbeat").permitAll()
                        .anyRequest().hasRole("ADMIN"));
        return http.build();
    }
}
