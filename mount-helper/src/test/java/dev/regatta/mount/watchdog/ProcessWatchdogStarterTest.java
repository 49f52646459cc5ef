package dev.regatta.mount.watchdog;

import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.options.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The real starter, with a script in mount.regatta's place that notes how it was called. */
class ProcessWatchdogStarterTest {

    @TempDir
    Path temp;

    @Test
    void startsTheWatchdogDetachedWhenNoneHoldsTheLock() throws Exception {
        ProcessWatchdogStarter starter = starter();

        starter.ensureRunning();

        Path called = temp.resolve("called");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(called) && Files.size(called) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(called)).isEqualTo("watchdog\n");
        assertThat(Files.readString(temp.resolve("log").resolve(WatchdogLog.FILE))).contains("started as watchdog");
    }

    @Test
    void startsNothingWhileAWatchdogHoldsTheLock() throws Exception {
        ProcessWatchdogStarter starter = starter();

        try (var held = new WatchdogLock(temp.resolve("run")).tryAcquire().orElseThrow()) {
            starter.ensureRunning();
        }

        Thread.sleep(300);
        assertThat(temp.resolve("called")).doesNotExist();
    }

    private ProcessWatchdogStarter starter() throws IOException {
        Path script = Files.writeString(temp.resolve("mount.regatta.sh"), """
                echo "started as $*"
                echo "$*" > "%s"
                """.formatted(temp.resolve("called")));
        HelperConfig config = new HelperConfig(URI.create("http://127.0.0.1:9"), Optional.empty(), Optional.empty(),
                new PortRange(21049, 21548), temp.resolve("run"), temp.resolve("lib"), temp.resolve("log"),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(15), Duration.ofMinutes(5));
        return new ProcessWatchdogStarter(config, List.of("bash", script.toString()));
    }
}
