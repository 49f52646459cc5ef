package dev.regatta.controlplane.database;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The checks before the embedded PostgreSQL starts. Stopping a real orphaned server is proven end to end in
 * tests/stack (UpLifecycleTest), where a control plane can be killed with SIGKILL.
 */
class StalePostmasterTest {

    @TempDir
    Path dir;

    @Test
    void aDatabaseDirectoryWhoseLockALiveControlPlaneHoldsIsRefused() throws Exception {
        try (FileChannel held = FileChannel.open(dir.resolve(StalePostmaster.LIBRARY_LOCK),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var lock = held.lock()) {
            assertThatThrownBy(() -> StalePostmaster.clear(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another running control plane");
        }
    }

    @Test
    void aLockFileNamingALiveProcessThatIsNotItsPostgresIsRemoved() throws Exception {
        Path pidFile = dir.resolve(StalePostmaster.POSTMASTER_PID);
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n" + dir + "\n");
        StalePostmaster.clear(dir);
        assertThat(pidFile).doesNotExist();
    }

    @Test
    void aLockFileOfAProcessThatIsGoneIsLeftToPostgres() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path pidFile = dir.resolve(StalePostmaster.POSTMASTER_PID);
        Files.writeString(pidFile, gone.pid() + "\n" + dir + "\n");
        StalePostmaster.clear(dir);
        assertThat(pidFile).exists();
    }

    @Test
    void onlyPostgresStartedOnTheDirectoryIsItsPostmaster() {
        assertThat(StalePostmaster.isPostmasterOf(ProcessHandle.current(), dir)).isFalse();
    }
}
