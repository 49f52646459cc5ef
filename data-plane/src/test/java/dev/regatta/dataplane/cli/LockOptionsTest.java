package dev.regatta.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.server.DataPlaneConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LockOptionsTest {

    static DataPlaneConfig parse(String... args) {
        return CommandLine.populateCommand(new DataPlaneOptions(), args).toConfig();
    }

    @Test
    void defaultsAreLockSettingsDefaults() {
        assertThat(parse().locks()).isEqualTo(LockSettings.DEFAULTS);
        assertThat(DataPlaneConfig.defaults(java.nio.file.Path.of("x")).locks()).isEqualTo(LockSettings.DEFAULTS);
        assertThat(LockSettings.DEFAULTS.gracePeriod()).isEqualTo(Duration.ofSeconds(50));
        assertThat(LockSettings.DEFAULTS.lease(false)).as("direct clients: off").isZero();
        assertThat(LockSettings.DEFAULTS.lease(true)).as("tunnelled mounts").isEqualTo(Duration.ofSeconds(90));
        assertThat(LockSettings.DEFAULTS.shortestLease()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void flagsSetThem() {
        LockSettings locks = parse("--lock-grace-period", "90s", "--lock-lease", "10m", "--lock-callback-timeout",
                "250ms").locks();
        assertThat(locks).isEqualTo(new LockSettings(Duration.ofSeconds(90), Duration.ofMinutes(10),
                Duration.ofMillis(250)));
        assertThat(parse("--lock-lease", "0", "--lock-grace-period", "0").locks())
                .isEqualTo(new LockSettings(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
        LockSettings noLeases = parse("--lock-tunnel-lease", "0").locks();
        assertThat(noLeases.leaseEnabled()).isFalse();
        assertThat(noLeases.shortestLease()).isZero();
        LockSettings both = parse("--lock-lease", "10m", "--lock-tunnel-lease", "2m").locks();
        assertThat(both.lease(false)).isEqualTo(Duration.ofMinutes(10));
        assertThat(both.shortestLease()).isEqualTo(Duration.ofMinutes(2));
    }
}
