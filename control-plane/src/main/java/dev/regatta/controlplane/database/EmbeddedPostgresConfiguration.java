package dev.regatta.controlplane.database;

import dev.regatta.controlplane.ControlPlaneProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A real PostgreSQL started from this jar when no external one is configured ({@code spring.datasource.url}
 * empty): the embedded default and the tests. Its data lives under {@code regatta.data-dir}/postgres, so it
 * survives restarts; a server left running there by a control plane killed before it could stop it is stopped
 * first ({@link StalePostmaster}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
public class EmbeddedPostgresConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(ControlPlaneProperties properties) throws IOException, InterruptedException {
        Path dataDir = properties.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        try {
            // The database and the CA key are the control plane's alone, whatever an earlier version left inside.
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            LOG.warn("cannot make {} private to this user ({}): check that nobody else can read it", dataDir,
                    e.toString());
        }
        Path dir = dataDir.resolve("postgres");
        Files.createDirectories(dir);
        StalePostmaster.clear(dir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false);
        if (properties.embeddedDatabasePort() > 0) {
            builder.setPort(properties.embeddedDatabasePort());
        }
        EmbeddedPostgres postgres = builder.start();
        LOG.info("embedded PostgreSQL on port {} with data in {}", postgres.getPort(), dir);
        return postgres;
    }

    @Bean
    DataSource dataSource(EmbeddedPostgres postgres) {
        return postgres.getPostgresDatabase();
    }
}
