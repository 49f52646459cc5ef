package dev.regatta.controlplane;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Base of tests that start the application: each Spring context gets a fresh data directory under {@link #DATA_DIR},
 * so its embedded PostgreSQL starts from an empty database and Flyway builds the schema. Spring's context cache
 * shares a context between classes of the same configuration; a class with its own (a web port, other properties)
 * gets its own PostgreSQL rather than fighting over the first one's data directory.
 */
@ContextConfiguration(initializers = EmbeddedDatabaseTest.OwnDataDirectory.class)
public abstract class EmbeddedDatabaseTest {

    /** This JVM's test data; one subdirectory per Spring context. */
    public static final Path DATA_DIR;

    static {
        try {
            DATA_DIR = Files.createTempDirectory("regatta-control-plane-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static class OwnDataDirectory implements ApplicationContextInitializer<ConfigurableApplicationContext> {

        private static final AtomicInteger CONTEXTS = new AtomicInteger();

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Path dir = DATA_DIR.resolve("context-" + CONTEXTS.incrementAndGet());
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("embedded-database-test",
                    Map.of("regatta.data-dir", dir.toString())));
        }
    }
}
