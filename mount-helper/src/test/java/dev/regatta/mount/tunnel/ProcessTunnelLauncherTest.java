package dev.regatta.mount.tunnel;

import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.options.PortRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real launcher, with a small script in the tunnel's place that keeps to the same command-line contract. */
class ProcessTunnelLauncherTest {

    private static final String FS = "fs-0123456789abcdef0";

    @TempDir
    Path temp;
    private final List<TunnelProcess> started = new ArrayList<>();
    private ProcessTunnelLauncher launcher;

    @AfterEach
    void stopAll() {
        started.forEach(launcher::stop);
    }

    @Test
    void aTunnelChoosingItsPortFromTheRangeIsFoundByItsListeningLine() throws IOException {
        launcher = launcher("""
                echo "args: $*"
                echo "starting"
                echo "regatta-tunnel: listening 127.0.0.1:21077"
                exec sleep 60
                """, Duration.ofSeconds(10));

        TunnelProcess tunnel = start(spec(OptionalInt.empty()));

        assertThat(tunnel.port()).isEqualTo(21077);
        assertThat(launcher.isRunning(tunnel)).isTrue();
        Path log = temp.resolve("log/tunnel-" + FS + "-21077.log");
        CredentialFiles files = new CredentialFiles(temp.resolve("lib/" + FS + "/abc"));
        assertThat(Files.readString(log)).startsWith("args: client --connect 10.0.0.5:20490 --key " + files.key()
                + " --cert " + files.certificate() + " --ca " + files.caCertificates() + " --port-range 21049-21548\n");
        try (var logs = Files.list(temp.resolve("log"))) {
            assertThat(logs).containsExactly(log);
        }

        launcher.stop(tunnel);

        assertThat(launcher.isRunning(tunnel)).isFalse();
    }

    @Test
    void aTunnelToAReplicationGroupIsGivenEveryMemberInOrder() throws IOException {
        launcher = launcher("""
                echo "args: $*"
                echo "regatta-tunnel: listening 127.0.0.1:${@: -1}"
                exec sleep 60
                """, Duration.ofSeconds(10));

        TunnelProcess tunnel = start(spec(OptionalInt.of(21104), List.of("10.0.0.6:20490", "10.0.0.5:20490",
                "node-c.internal:20490")));

        assertThat(Files.readString(temp.resolve("log/tunnel-" + FS + "-" + tunnel.port() + ".log")))
                .startsWith("args: client --connect 10.0.0.6:20490,10.0.0.5:20490,node-c.internal:20490 --key ");
    }

    @Test
    void aTunnelOnItsOwnAddressWithAPortmapperIsFoundByBothLines() throws IOException {
        launcher = launcher("""
                echo "args: $*"
                echo "regatta-tunnel: listening 127.0.0.1:21001"
                echo "regatta-tunnel: portmapper 127.0.77.5:40222"
                echo "regatta-tunnel: listening 127.0.77.5:21078"
                exec sleep 60
                """, Duration.ofSeconds(10));

        TunnelProcess tunnel = start(new TunnelSpec(FS, List.of("10.0.0.5:20490"),
                new CredentialFiles(temp.resolve("lib/" + FS + "/abc")), OptionalInt.empty(),
                new PortRange(21049, 21548), temp.resolve("log"), "127.0.77.5", true, 40222));

        assertThat(tunnel.port()).as("the line for the address asked for").isEqualTo(21078);
        assertThat(tunnel.portmapperPort()).isEqualTo(40222);
        assertThat(Files.readString(temp.resolve("log/tunnel-" + FS + "-21078.log")))
                .contains(" --port-range 21049-21548 --listen-address 127.0.77.5 --portmapper --portmapper-port "
                        + "40222\n");
    }

    @Test
    void aRestartOnAFixedPortAppendsToThatPortsLog() throws IOException {
        launcher = launcher("""
                echo "args: $*"
                echo "regatta-tunnel: listening 127.0.0.1:${@: -1}"
                exec sleep 60
                """, Duration.ofSeconds(10));
        Files.createDirectories(temp.resolve("log"));
        Path log = Files.writeString(temp.resolve("log/tunnel-" + FS + "-21100.log"),
                "regatta-tunnel: listening 127.0.0.1:21100\nan earlier run\n");

        TunnelProcess tunnel = start(spec(OptionalInt.of(21100)));

        assertThat(tunnel.port()).isEqualTo(21100);
        assertThat(Files.readString(log)).startsWith("regatta-tunnel: listening 127.0.0.1:21100\nan earlier run\n"
                + "args: client ").contains("--listen-port 21100\n");
    }

    @Test
    void aTunnelThatExitsFailsWithTheEndOfItsLog() {
        launcher = launcher("""
                echo "regatta-tunnel: cannot read --cert: no such file"
                exit 3
                """, Duration.ofSeconds(10));

        assertThatThrownBy(() -> start(spec(OptionalInt.of(21101))))
                .isInstanceOf(TunnelStartFailure.class)
                .hasMessageContaining("the TLS tunnel to 10.0.0.5:20490 exited with status 3 before it listened")
                .hasMessageEndingWith("\n  regatta-tunnel: cannot read --cert: no such file");
    }

    @Test
    void aTunnelThatNeverListensIsStoppedAfterTheTimeout() throws Exception {
        launcher = launcher("""
                echo "$$" > "%s"
                echo "connecting..."
                exec sleep 60
                """.formatted(temp.resolve("pid")), Duration.ofSeconds(1));

        assertThatThrownBy(() -> start(spec(OptionalInt.of(21102))))
                .isInstanceOf(TunnelStartFailure.class)
                .hasMessageStartingWith("the TLS tunnel did not start: it did not say it listens within 1 s")
                .hasMessageEndingWith("\n  connecting...");
        long pid = Long.parseLong(Files.readString(temp.resolve("pid")).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void aProcessWithTheSamePidButAnotherStartIsNotTheTunnel() {
        launcher = launcher("echo x", Duration.ofSeconds(1));
        ProcessHandle self = ProcessHandle.current();
        TunnelProcess reused = new TunnelProcess(self.pid(),
                self.info().startInstant().orElseThrow().minus(Duration.ofHours(1)), 21103);

        assertThat(launcher.isRunning(reused)).isFalse();
        launcher.stop(reused);
        assertThat(self.isAlive()).isTrue();
    }

    private TunnelProcess start(TunnelSpec spec) {
        TunnelProcess tunnel = launcher.start(spec);
        started.add(tunnel);
        return tunnel;
    }

    private TunnelSpec spec(OptionalInt port) {
        return spec(port, List.of("10.0.0.5:20490"));
    }

    private TunnelSpec spec(OptionalInt port, List<String> nodeAddresses) {
        return new TunnelSpec(FS, nodeAddresses, new CredentialFiles(temp.resolve("lib/" + FS + "/abc")), port,
                new PortRange(21049, 21548), temp.resolve("log"));
    }

    private ProcessTunnelLauncher launcher(String script, Duration timeout) {
        try {
            Path file = Files.writeString(temp.resolve("fake-tunnel.sh"), script);
            return new ProcessTunnelLauncher(List.of("bash", file.toString()), timeout);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
