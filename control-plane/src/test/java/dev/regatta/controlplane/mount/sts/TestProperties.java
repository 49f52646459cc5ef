package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.ControlPlaneProperties;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** Settings for unit tests that need only the STS part. */
final class TestProperties {

    private TestProperties() {
    }

    static ControlPlaneProperties allowingSts(String... endpoints) {
        return new ControlPlaneProperties(Path.of("unused"), 0, "",
                new ControlPlaneProperties.Sts(Arrays.stream(endpoints).map(URI::create).toList(),
                        Duration.ofSeconds(2), Duration.ofMinutes(15), Duration.ofMinutes(5)),
                null, new ControlPlaneProperties.Nodes("", Duration.ofSeconds(10), Duration.ofSeconds(45)),
                new ControlPlaneProperties.Replication(3, Duration.ofMinutes(10)), null, null, null);
    }
}
