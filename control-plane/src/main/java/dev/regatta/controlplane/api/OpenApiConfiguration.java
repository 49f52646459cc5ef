package dev.regatta.controlplane.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The document at /api/v1/openapi.json: what springdoc finds in the controllers, plus how callers authenticate. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI regattaOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Regatta control plane").version("v1").description("""
                        File systems, grants, admin API tokens, data-plane nodes and mount authentication. Admin \
                        endpoints take an admin API token (Authorization: Bearer) or the console's session cookie \
                        with its X-XSRF-TOKEN header on changes; node endpoints take the bootstrap or node token; \
                        errors are application/problem+json. Wire contracts: docs/control-plane-protocols.md."""))
                .components(new Components()
                        .addSecuritySchemes("adminToken", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("an admin API token from POST /api/v1/tokens"))
                        .addSecuritySchemes("consoleSession", new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.COOKIE).name("REGATTA_SESSION")
                                .description("the console's sign-in from POST /api/v1/session")))
                .addSecurityItem(new SecurityRequirement().addList("adminToken"))
                .addSecurityItem(new SecurityRequirement().addList("consoleSession"));
    }
}
