package dev.regatta.controlplane.security;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.crypto.password.Pbkdf2PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

import java.nio.file.Path;

/**
 * The web console's single admin account: {@code regatta.admin.username} with {@code regatta.admin.password}, or
 * with a password generated once into {@code <data-dir>/admin-password} (only its path is logged). The password is
 * kept in memory only as a PBKDF2 hash, which also makes each guess slow. Declaring this manager also keeps Spring
 * Boot from making its default user, whose generated password it would log.
 */
@Configuration(proxyBeanMethods = false)
class AdminAccount {

    private static final Logger LOG = LoggerFactory.getLogger(AdminAccount.class);
    static final String PASSWORD_FILE = "admin-password";

    @Bean
    AuthenticationManager adminAuthenticationManager(ControlPlaneProperties properties) {
        ControlPlaneProperties.Admin admin = properties.admin();
        String password = admin.password();
        if (password.isEmpty()) {
            Path file = properties.dataDir().resolve(PASSWORD_FILE).toAbsolutePath();
            password = Secrets.readOrGenerate(file, "");
            LOG.info("the console's admin account '{}' has the password kept in {} "
                    + "(set regatta.admin.password to choose it)", admin.username(), file);
        }
        PasswordEncoder encoder = Pbkdf2PasswordEncoder.defaultsForSpringSecurity_v5_8();
        var users = new InMemoryUserDetailsManager(User.withUsername(admin.username())
                .password(encoder.encode(password)).roles(SecurityConfiguration.ADMIN_ROLE).build());
        var provider = new DaoAuthenticationProvider(users);
        provider.setPasswordEncoder(encoder);
        return new ProviderManager(provider);
    }
}
