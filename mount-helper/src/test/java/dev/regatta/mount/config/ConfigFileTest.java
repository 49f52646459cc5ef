package dev.regatta.mount.config;

import dev.regatta.mount.MountFailure;
import dev.regatta.mount.options.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTest {

    @TempDir
    Path temp;

    @Test
    void defaultsWorkWithoutAFile() {
        HelperConfig config = HelperConfig.defaults();

        assertThat(config.controlPlane()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(config.region()).isEmpty();
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/run/regatta"));
        assertThat(config.libDir()).isEqualTo(Path.of("/var/lib/regatta"));
        assertThat(config.logDir()).isEqualTo(Path.of("/var/log/regatta"));
        assertThat(config.tunnelPortRange()).isEqualTo(new PortRange(21049, 21548));
        assertThat(config.stsEndpointFor("eu-west-1")).isEqualTo(URI.create("https://sts.eu-west-1.amazonaws.com/"));
        assertThat(config.stsEndpointFor("cn-north-1"))
                .isEqualTo(URI.create("https://sts.cn-north-1.amazonaws.com.cn/"));
    }

    @Test
    void readsEverySettingOverTheDefaults() throws IOException {
        Path file = Files.writeString(temp.resolve("regatta.conf"), """
                # Regatta mount helper
                control_plane = https://regatta.example.com:8443

                region = eu-central-1
                sts_endpoint = https://sts.eu-central-1.amazonaws.com
                tunnel_port_range = 30000-30099
                state_dir = /run/r
                lib_dir = /var/lib/r
                log_dir=/var/log/r
                tunnel_start_timeout_seconds = 30
                watchdog_interval_seconds = 2
                renewal_margin_seconds = 600
                unmounted_grace_seconds = 60
                """);

        HelperConfig config = ConfigFile.load(Map.of("REGATTA_CONFIG", file.toString()));

        assertThat(config).isEqualTo(new HelperConfig(URI.create("https://regatta.example.com:8443"),
                java.util.Optional.of("eu-central-1"), java.util.Optional.of(URI.create(
                        "https://sts.eu-central-1.amazonaws.com")), new PortRange(30000, 30099), Path.of("/run/r"),
                Path.of("/var/lib/r"), Path.of("/var/log/r"), Duration.ofSeconds(30), Duration.ofSeconds(2),
                Duration.ofMinutes(10), Duration.ofMinutes(1)));
        assertThat(config.stsEndpointFor("eu-central-1"))
                .isEqualTo(URI.create("https://sts.eu-central-1.amazonaws.com/"));
    }

    @Test
    void unknownKeysAndBadValuesNameTheLine() throws IOException {
        assertThatThrownBy(() -> read("control_plane = http://cp:8080\ncontrolplane = http://x\n"))
                .isInstanceOf(MountFailure.class)
                .hasMessageContaining("regatta.conf line 2: unknown setting 'controlplane' (known: control_plane,");
        assertThatThrownBy(() -> read("state_dir = relative/dir\n"))
                .hasMessageContaining("line 1: 'relative/dir' is not an absolute path");
        assertThatThrownBy(() -> read("watchdog_interval_seconds = soon\n"))
                .hasMessageContaining("line 1: 'soon' is not a whole number of seconds above 0");
        assertThatThrownBy(() -> read("sts_endpoint = https://sts.amazonaws.com/?x=1\n"))
                .hasMessageContaining("sts_endpoint must be scheme://host[:port] only");
        assertThatThrownBy(() -> read("just words\n")).hasMessageContaining("line 1: expected key = value");
        assertThatThrownBy(() -> read("region = us-east-1\nregion = eu-west-1\n"))
                .hasMessageContaining("line 2: region is already set at");
        assertThatThrownBy(() -> read("region =\n")).hasMessageContaining("region has no value");
    }

    @Test
    void aFileNamedByRegattaConfigMustExist() {
        Path missing = temp.resolve("missing.conf");

        assertThatThrownBy(() -> ConfigFile.load(Map.of("REGATTA_CONFIG", missing.toString())))
                .isInstanceOf(MountFailure.class)
                .hasMessage("configuration file " + missing + " does not exist (REGATTA_CONFIG names it)");
    }

    private HelperConfig read(String content) throws IOException {
        return ConfigFile.read(Files.writeString(temp.resolve("regatta.conf"), content));
    }
}
