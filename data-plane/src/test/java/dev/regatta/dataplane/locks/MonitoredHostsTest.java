package dev.regatta.dataplane.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoredHostsTest {

    @TempDir
    Path dir;

    @Test
    void hostsAndTheStateNumberSurviveARestart() throws Exception {
        MonitoredHosts hosts = MonitoredHosts.open(dir);
        assertThat(hosts.all()).isEmpty();
        assertThat(hosts.nextState()).isEqualTo(1);
        MonitoredHosts.Host a = new MonitoredHosts.Host("10.0.0.1", "alpha.example", "10.0.0.1", "10.0.0.100");
        MonitoredHosts.Host odd = new MonitoredHosts.Host("fe80::1%eth0", "a name with spaces\n", "fe80::1", "");
        assertThat(hosts.add(a)).isTrue();
        assertThat(hosts.add(a)).as("already known: nothing written").isFalse();
        assertThat(hosts.add(odd)).isTrue();
        assertThat(hosts.contains("10.0.0.1", "ALPHA.example")).isTrue();

        MonitoredHosts again = MonitoredHosts.open(dir);
        assertThat(again.all()).containsExactly(a, odd);
        assertThat(again.nextState()).isEqualTo(3);
        assertThat(MonitoredHosts.open(dir).nextState()).isEqualTo(5);

        MonitoredHosts.Host moved = new MonitoredHosts.Host("10.0.0.1", "alpha.example", "10.0.0.1", "10.0.0.200");
        assertThat(again.add(moved)).as("the same host, now reaching the node at another address").isTrue();
        assertThat(again.removeIf(h -> h.name().startsWith("a name"))).isEqualTo(1);
        assertThat(MonitoredHosts.open(dir).all()).containsExactly(moved);

        Files.writeString(dir.resolve("hosts"), "# header\ngarbage line\n10.0.0.5 e 10.0.0.5 ~\n");
        assertThat(MonitoredHosts.open(dir).all()).containsExactly(
                new MonitoredHosts.Host("10.0.0.5", "e", "10.0.0.5", ""));
    }

    @Test
    void inMemoryHostsWriteNothing() throws Exception {
        MonitoredHosts hosts = MonitoredHosts.inMemory();
        assertThat(hosts.nextState()).isEqualTo(1);
        hosts.add(new MonitoredHosts.Host("c", "n", "a", "s"));
        assertThat(hosts.all()).hasSize(1);
    }
}
