package dev.regatta.dataplane.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPlaneProcessTest {

    @TempDir
    Path dir;

    @Test
    void awaitSecretWaitsForTheFileToHaveContent() throws Exception {
        Path file = dir.resolve(ControlPlaneProcess.ADMIN_PASSWORD_FILE);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
                Files.writeString(file, "");
                Thread.sleep(200);
                Files.writeString(file, "s3cret-Generated\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(ControlPlaneProcess.awaitSecret(file, Duration.ofSeconds(10))).isEqualTo("s3cret-Generated");
        writer.join();
    }

    @Test
    void awaitSecretGivesUpAfterTheTimeout() {
        Path file = dir.resolve("never");
        assertThatThrownBy(() -> ControlPlaneProcess.awaitSecret(file, Duration.ofMillis(300)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString());
    }
}
