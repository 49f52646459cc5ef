package dev.regatta.controlplane;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Base of tests that start the application: each JVM gets one fresh data directory, so the embedded PostgreSQL
 * starts from an empty database and Flyway builds the schema, and Spring's context cache shares it between classes.
 */
public abstract class EmbeddedDatabaseTest {

    public static final Path DATA_DIR;

    static {
        try {
            DATA_DIR = Files.createTempDirectory("regatta-control-plane-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("regatta.data-dir", DATA_DIR::toString);
    }
}
