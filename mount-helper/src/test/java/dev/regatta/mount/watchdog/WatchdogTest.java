package dev.regatta.mount.watchdog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.mount.Json;
import dev.regatta.mount.keys.MountKeys;
import dev.regatta.mount.testing.FakeControlPlane;
import dev.regatta.mount.testing.TestMachine;
import dev.regatta.mount.tunnel.TunnelSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mount.regatta watchdog --once} after a real (faked-kernel) mount, with time moved on where it matters. */
class WatchdogTest {

    private static final String FS = "fs-0123456789abcdef0";

    @TempDir
    Path temp;
    private FakeControlPlane controlPlane;
    private TestMachine machine;
    private Path mountPoint;
    private Path stateFile;
    private TunnelSpec firstTunnel;

    @BeforeEach
    void mount() throws IOException {
        controlPlane = new FakeControlPlane();
        machine = new TestMachine(temp, controlPlane.url());
        mountPoint = machine.directory("mnt/data");
        assertThat(machine.run(FS, mountPoint.toString())).as(machine.err()).isZero();
        firstTunnel = machine.tunnels.started.get(0);
        try (var files = Files.list(temp.resolve("run"))) {
            stateFile = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
    }

    @AfterEach
    void tearDown() {
        controlPlane.close();
    }

    @Test
    void aHealthyMountIsLeftAlone() throws IOException {
        String before = Files.readString(stateFile);

        assertThat(watchdogOnce()).isZero();

        assertThat(Files.readString(stateFile)).isEqualTo(before);
        assertThat(machine.tunnels.started).hasSize(1);
        assertThat(controlPlane.mountRequests()).hasSize(1);
    }

    @Test
    void afterAnUnmountItStopsTheTunnelAndRemovesStateKeyAndCertificate() throws IOException {
        long pid = state().path("tunnelPid").asLong();
        machine.unmountAll();
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).doesNotExist();
        assertThat(firstTunnel.credentials().directory()).doesNotExist();
        assertThat(temp.resolve("lib").resolve(FS)).doesNotExist();
        assertThat(machine.tunnels.stopped).containsExactly(pid);
        assertThat(log()).contains(FS + " at " + mountPoint + " is no longer mounted: stopped its tunnel (pid " + pid
                + "), removed its key, certificates and state");
    }

    @Test
    void aMountNotYetInTheMountTableIsGivenTimeToAppear() throws IOException {
        machine.unmountAll();

        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).exists();
        assertThat(machine.tunnels.stopped).isEmpty();
    }

    @Test
    void aMountUsedFromElsewhereKeepsItsTunnelAndCertificateDuringTheGrace() throws IOException {
        machine.unmountAll(); // --no-mount: the kernel mount runs in another machine or a VM guest
        long pid = state().path("tunnelPid").asLong();
        machine.tunnels.kill(pid);

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.started).as("tunnel restarted").hasSize(2);
        assertThat(stateFile).exists();
    }

    @Test
    void aDeadTunnelIsRestartedOnTheSamePort() throws IOException {
        long pid = state().path("tunnelPid").asLong();
        machine.tunnels.kill(pid);

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.started).hasSize(2);
        TunnelSpec restarted = machine.tunnels.started.get(1);
        assertThat(restarted.listenPort()).hasValue(21049);
        assertThat(restarted.nodeAddress()).isEqualTo("10.0.0.5:20490");
        assertThat(restarted.credentials()).isEqualTo(firstTunnel.credentials());
        long newPid = state().path("tunnelPid").asLong();
        assertThat(newPid).isNotEqualTo(pid);
        assertThat(machine.tunnels.running(newPid)).isTrue();
        assertThat(log()).contains("its tunnel (pid " + pid + ") is not running; restarting it on 127.0.0.1:21049",
                "tunnel to 10.0.0.5:20490 running again (pid " + newPid + ")");
    }

    @Test
    void aCertificateNearItsExpiryIsRenewedWithANewKeyInPlace() throws Exception {
        String oldKey = Files.readString(firstTunnel.credentials().key());
        String oldCertificate = Files.readString(firstTunnel.credentials().certificate());
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).hasSize(2);
        JsonNode renewal = controlPlane.mountRequests().get(1);
        assertThat(renewal.path("fileSystemId").asText()).isEqualTo(FS);
        assertThat(renewal.path("access").asText()).isEqualTo("READ_WRITE");
        String newKey = Files.readString(firstTunnel.credentials().key());
        String newCertificate = Files.readString(firstTunnel.credentials().certificate());
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(newCertificate).isNotEqualTo(oldCertificate);
        assertThat(MountKeys.readCertificate(newCertificate).getSubjectX500Principal().getName())
                .contains("CN=mount-00000000000000002");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(firstTunnel.credentials().key())))
                .isEqualTo("rw-------");
        assertThat(state().path("mountId").asText()).isEqualTo("mount-00000000000000002");
        assertThat(state().path("expiresAt").asText())
                .isEqualTo(MountKeys.readCertificate(newCertificate).getNotAfter().toInstant().toString());
        assertThat(machine.tunnels.started).hasSize(1);
        assertThat(log()).contains("renewed the certificate (mount mount-00000000000000002, valid until ");
    }

    @Test
    void aRefusedRenewalIsLoggedWithTheReasonAndTheOldCertificateStays() throws IOException {
        String oldCertificate = Files.readString(firstTunnel.credentials().certificate());
        String oldState = Files.readString(stateFile);
        String reason = "no grant of " + FS + " admits " + FakeControlPlane.ARN + ": an admin can grant its role, "
                + "user or account";
        controlPlane.refuse(403, reason);
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(Files.readString(firstTunnel.credentials().certificate())).isEqualTo(oldCertificate);
        assertThat(Files.readString(stateFile)).isEqualTo(oldState);
        assertThat(log()).contains("the control plane refused to renew the certificate (HTTP 403): " + reason
                + "; the mount keeps working until its certificate expires at " + state().path("expiresAt").asText());
        assertThat(machine.tunnels.stopped).isEmpty();
    }

    @Test
    void aRenewalThatMovesTheFileSystemToAnotherNodeRestartsTheTunnelOnTheSamePort() throws IOException {
        controlPlane.nodeAddress("10.0.0.6:20490");
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.stopped).hasSize(1);
        TunnelSpec moved = machine.tunnels.started.get(1);
        assertThat(moved.nodeAddress()).isEqualTo("10.0.0.6:20490");
        assertThat(moved.listenPort()).hasValue(21049);
        assertThat(state().path("nodeAddress").asText()).isEqualTo("10.0.0.6:20490");
    }

    @Test
    void onlyOneWatchdogRunsAtATime() throws IOException {
        try (var held = new WatchdogLock(temp.resolve("run")).tryAcquire().orElseThrow()) {
            assertThat(watchdogOnce()).isEqualTo(1);
        }
        assertThat(machine.err()).contains("another watchdog is running");
    }

    @Test
    void theWatchdogStopsByItselfOnceNoMountIsLeft() throws IOException {
        machine.unmountAll();
        later(Duration.ofMinutes(6));

        assertThat(machine.run("watchdog")).isZero();

        assertThat(stateFile).doesNotExist();
        assertThat(log()).contains("watchdog started (pid " + ProcessHandle.current().pid() + ")",
                "no mounts left to look after; watchdog stops");
        assertThat(new WatchdogLock(temp.resolve("run")).isHeld()).isFalse();
    }

    private int watchdogOnce() {
        return machine.run("watchdog", "--once");
    }

    private void later(Duration duration) {
        machine.clock = Clock.offset(Clock.systemUTC(), duration);
    }

    private JsonNode state() throws IOException {
        return Json.MAPPER.readTree(stateFile.toFile());
    }

    private String log() throws IOException {
        return Files.readString(temp.resolve("log").resolve(WatchdogLog.FILE));
    }
}
