package dev.regatta.mount.watchdog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.mount.Json;
import dev.regatta.mount.testing.FakeControlPlane;
import dev.regatta.mount.testing.ProofCheck;
import dev.regatta.mount.testing.TestMachine;
import dev.regatta.mount.tunnel.TunnelSpec;
import dev.regatta.pki.Pem;
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
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code mount.regatta watchdog --once} after a real (faked-kernel) mount, with time moved on where it matters. */
class WatchdogTest {

    private static final String FS = "fs-0123456789abcdef0";
    private static final String MOUNT_ID = "mount-00000000000000001";
    private static final String SECOND_MOUNT_ID = "mount-00000000000000002";

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
        assertThat(controlPlane.unmountReports()).singleElement().satisfies(report -> {
            assertThat(report.mountId()).isEqualTo(MOUNT_ID);
            assertThat(report.body().path("fileSystemId").asText()).isEqualTo(FS);
            JsonNode proof = report.body().path("stsRequest");
            assertThat(ProofCheck.headers(proof)).containsEntry("x-regatta-fs-id", FS)
                    .containsEntry("x-regatta-server-id", FakeControlPlane.SERVER_ID);
            assertThat(ProofCheck.signatureMatches(proof, FakeControlPlane.SECRET_ACCESS_KEY)).isTrue();
        });
        assertThat(log()).contains(FS + " at " + mountPoint + ": told the control plane at " + controlPlane.url()
                + " that mount " + MOUNT_ID + " ended; it ended the mount's session at ");
    }

    @Test
    void afterAnUnmountItRemovesTheNetfilterRuleToo() throws IOException {
        String address = state().path("listenAddress").asText();
        String chain = "lock-" + address.replace('.', '-');
        machine.unmountAll();
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.commands.ranCommand("nft")).hasSize(2).last().isEqualTo(java.util.List.of("nft",
                "flush chain ip regatta " + chain + "; delete chain ip regatta " + chain));
        assertThat(log()).contains("removed its netfilter rule for " + address + ":111");
    }

    @Test
    void aMountStillInTheTableOnItsOwnAddressIsLeftMounted() throws IOException {
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).as("mounted from " + state().path("listenAddress").asText()).exists();
        assertThat(machine.commands.ranCommand("nft")).hasSize(1);
    }

    @Test
    void aStateFileFromBeforeAddressesIsMountedFrom127001AndTouchesNoNetfilter() throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode) state();
        old.remove(java.util.List.of("listenAddress", "portmapperPort", "lockRedirect"));
        Files.write(stateFile, Json.MAPPER.writeValueAsBytes(old));
        machine.unmountAll();
        machine.mounted(mountPoint, "nfs", "127.0.0.1:/" + FS);
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();
        assertThat(stateFile).as("still mounted from 127.0.0.1").exists();
        machine.unmountAll();
        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).doesNotExist();
        assertThat(machine.commands.ranCommand("nft")).as("only the first mount's install").hasSize(1);
    }

    @Test
    void aRestartedTunnelWhosePortmapperPortWasTakenGetsTheRulePointedAtTheNewOne() throws IOException {
        String address = state().path("listenAddress").asText();
        machine.tunnels.portmapperPortTaken = true;
        machine.tunnels.nextPortmapperPort = 40999;
        machine.tunnels.kill(state().path("tunnelPid").asLong());

        assertThat(watchdogOnce()).isZero();

        assertThat(state().path("portmapperPort").asInt()).isEqualTo(40999);
        assertThat(machine.commands.ranCommand("nft")).hasSize(2);
        assertThat(machine.commands.ranCommand("nft").get(1).get(1)).contains("flush chain ip regatta lock-",
                "tcp dport 111 dnat to " + address + ":40999", "udp dport 111 dnat to " + address + ":40999");
        assertThat(log()).contains("its netfilter rule now names portmapper port 40999");
    }

    @Test
    void anUnmountReportTheControlPlaneRefusesIsLoggedWithAdviceAndTheCleanupStands() throws IOException {
        String expiresAt = state().path("expiresAt").asText();
        controlPlane.refuseUnmounts(403, "mount " + MOUNT_ID + " was made by another IAM identity than "
                + FakeControlPlane.ARN + ": only the identity that mounted can report its unmount");
        machine.unmountAll();
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).doesNotExist();
        assertThat(temp.resolve("lib").resolve(FS)).doesNotExist();
        assertThat(controlPlane.unmountReports()).hasSize(1);
        assertThat(log()).contains("the control plane at " + controlPlane.url() + " refused the report that mount "
                + MOUNT_ID + " ended (HTTP 403): mount " + MOUNT_ID + " was made by another IAM identity than "
                + FakeControlPlane.ARN + ": only the identity that mounted can report its unmount; the control "
                + "plane lists mount " + MOUNT_ID + " as live until its certificate expires at " + expiresAt
                + ", and nothing else depends on the report; the report must be signed by the IAM identity that "
                + "mounted, and this machine's credentials are another identity now");
    }

    @Test
    void anUnreachableControlPlaneDoesNotHoldUpTheCleanup() throws IOException {
        long pid = state().path("tunnelPid").asLong();
        String url = controlPlane.url().toString();
        controlPlane.close();
        machine.unmountAll();
        later(Duration.ofMinutes(6));

        assertThat(watchdogOnce()).isZero();

        assertThat(stateFile).doesNotExist();
        assertThat(machine.tunnels.stopped).containsExactly(pid);
        assertThat(log()).contains("is no longer mounted: stopped its tunnel",
                ": could not tell the control plane that mount " + MOUNT_ID + " ended: cannot reach the control "
                        + "plane at " + url,
                "as live until its certificate expires at ");
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
        assertThat(restarted.nodeAddresses()).containsExactly("10.0.0.5:20490");
        assertThat(restarted.credentials()).isEqualTo(firstTunnel.credentials());
        long newPid = state().path("tunnelPid").asLong();
        assertThat(newPid).isNotEqualTo(pid);
        assertThat(machine.tunnels.running(newPid)).isTrue();
        String address = state().path("listenAddress").asText();
        assertThat(address).startsWith("127.0.77.");
        assertThat(restarted.listenAddress()).as("the same address").isEqualTo(address);
        assertThat(restarted.portmapper()).isTrue();
        assertThat(restarted.portmapperPort()).as("the same portmapper port").isEqualTo(40111);
        assertThat(machine.commands.ranCommand("nft")).as("the rule still names that port").hasSize(1);
        assertThat(log()).contains("its tunnel (pid " + pid + ") is not running; restarting it on " + address
                + ":21049",
                "tunnel to 10.0.0.5:20490 running again (pid " + newPid + ")");
    }

    @Test
    void aCertificateNearItsExpiryIsRenewedWithANewKeyInPlace() throws Exception {
        String oldKey = Files.readString(firstTunnel.credentials().key());
        String oldCertificate = Files.readString(firstTunnel.credentials().certificate());
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).hasSize(2);
        assertThat(controlPlane.mountRequests().get(0).has("renews")).as("a new mount renews nothing").isFalse();
        JsonNode renewal = controlPlane.mountRequests().get(1);
        assertThat(renewal.path("fileSystemId").asText()).isEqualTo(FS);
        assertThat(renewal.path("access").asText()).isEqualTo("READ_WRITE");
        assertThat(renewal.path("renews").asText()).isEqualTo(MOUNT_ID);
        String newKey = Files.readString(firstTunnel.credentials().key());
        String newCertificate = Files.readString(firstTunnel.credentials().certificate());
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(newCertificate).isNotEqualTo(oldCertificate);
        assertThat(Pem.certificate(newCertificate).getSubjectX500Principal().getName())
                .contains("CN=" + MOUNT_ID);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(firstTunnel.credentials().key())))
                .isEqualTo("rw-------");
        assertThat(state().path("mountId").asText()).as("the same session").isEqualTo(MOUNT_ID);
        assertThat(state().path("expiresAt").asText())
                .isEqualTo(Pem.certificate(newCertificate).getNotAfter().toInstant().toString());
        assertThat(machine.tunnels.started).hasSize(1);
        assertThat(log()).contains("renewed the certificate of mount " + MOUNT_ID + " (valid until ");
    }

    @Test
    void aSessionTheControlPlaneWillNotRenewIsReplacedByANewOne() throws Exception {
        controlPlane.endSession(MOUNT_ID);
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).hasSize(3);
        assertThat(controlPlane.mountRequests().get(1).path("renews").asText()).isEqualTo(MOUNT_ID);
        assertThat(controlPlane.mountRequests().get(2).has("renews")).as("then a new mount").isFalse();
        assertThat(state().path("mountId").asText()).isEqualTo(SECOND_MOUNT_ID);
        assertThat(Pem.certificate(Files.readString(firstTunnel.credentials().certificate()))
                .getSubjectX500Principal().getName()).contains("CN=" + SECOND_MOUNT_ID);
        assertThat(log()).contains("the control plane will not renew mount " + MOUNT_ID + " (HTTP 409): mount "
                        + MOUNT_ID + " ended and cannot be renewed: mount anew, without renews; asking for a new mount "
                        + "session instead",
                "renewed the certificate under a new mount session " + SECOND_MOUNT_ID + " (was " + MOUNT_ID
                        + "; valid until ");

        // Its unmount is reported under the new session's ID.
        machine.unmountAll();
        later(Duration.ofMinutes(56));
        assertThat(watchdogOnce()).isZero();
        assertThat(controlPlane.unmountReports()).extracting(FakeControlPlane.UnmountCall::mountId)
                .containsExactly(SECOND_MOUNT_ID);
    }

    @Test
    void aSessionThatCannotBeRenewedIsNotAskedForAgain() throws IOException {
        controlPlane.endSession(MOUNT_ID);
        String reason = "no grant of " + FS + " admits " + FakeControlPlane.ARN;
        controlPlane.refuseNewMounts(403, reason);
        // One watchdog for two passes (as the running one), with a clock moved between them.
        Duration[] shift = {Duration.ofMinutes(50)};
        machine.clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now().plus(shift[0]);
            }
        };
        Watchdog watchdog = new Watchdog(machine.environment(), new WatchdogLog(temp.resolve("log"), machine.clock,
                Optional.empty()));

        assertThat(watchdog.pass()).isEqualTo(1);
        assertThat(controlPlane.mountRequests()).hasSize(3);
        assertThat(log()).contains("the control plane refused to renew the certificate (HTTP 403): " + reason);
        assertThat(state().path("mountId").asText()).as("nothing to change yet").isEqualTo(MOUNT_ID);

        shift[0] = Duration.ofMinutes(52);
        assertThat(watchdog.pass()).isEqualTo(1);

        assertThat(controlPlane.mountRequests()).hasSize(4);
        assertThat(controlPlane.mountRequests().get(3).has("renews")).as("straight to a new mount").isFalse();
    }

    @Test
    void aControlPlaneThatStartsANewSessionOnRenewalIsFollowed() throws Exception {
        controlPlane.ignoreRenews();
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).hasSize(2);
        assertThat(state().path("mountId").asText()).isEqualTo(SECOND_MOUNT_ID);
        assertThat(log()).contains("renewed the certificate under a new mount session " + SECOND_MOUNT_ID);
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
        assertThat(controlPlane.server().findAll(postRequestedFor(urlPathEqualTo("/api/v1/mounts"))))
                .as("a 403 is no reason to mount anew").hasSize(2);
        assertThat(machine.tunnels.stopped).isEmpty();
    }

    @Test
    void aRenewalThatMovesTheFileSystemToAnotherNodeRestartsTheTunnelOnTheSamePort() throws IOException {
        controlPlane.nodeAddress("10.0.0.6:20490");
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.stopped).hasSize(1);
        TunnelSpec moved = machine.tunnels.started.get(1);
        assertThat(moved.nodeAddresses()).containsExactly("10.0.0.6:20490");
        assertThat(moved.listenPort()).hasValue(21049);
        assertThat(state().path("nodeAddress").asText()).isEqualTo("10.0.0.6:20490");
    }

    @Test
    void aRenewalThatChangesTheMembersOrTheirOrderRestartsTheTunnelWithThem() throws IOException {
        controlPlane.memberAddresses("10.0.0.5:20490", "10.0.0.6:20490", "10.0.0.7:20490");
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.stopped).hasSize(1);
        assertThat(machine.tunnels.started.get(1).nodeAddresses()).containsExactly("10.0.0.5:20490",
                "10.0.0.6:20490", "10.0.0.7:20490");
        assertThat(machine.tunnels.started.get(1).listenPort()).hasValue(21049);
        assertThat(state().path("memberAddresses").toString())
                .isEqualTo("[\"10.0.0.5:20490\",\"10.0.0.6:20490\",\"10.0.0.7:20490\"]");
        assertThat(log()).contains("the file system's nodes are now 10.0.0.5:20490, 10.0.0.6:20490, 10.0.0.7:20490 "
                + "(were 10.0.0.5:20490); restarting the tunnel");

        // A failover: the control plane names the new leader first.
        controlPlane.nodeAddress("10.0.0.6:20490");
        controlPlane.memberAddresses("10.0.0.6:20490", "10.0.0.5:20490", "10.0.0.7:20490");

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.stopped).hasSize(2);
        assertThat(machine.tunnels.started.get(2).nodeAddresses()).containsExactly("10.0.0.6:20490",
                "10.0.0.5:20490", "10.0.0.7:20490");
        assertThat(state().path("nodeAddress").asText()).isEqualTo("10.0.0.6:20490");

        // The same members in the same order: the tunnel stays.
        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).as("renewed each time").hasSize(4);
        assertThat(machine.tunnels.started).hasSize(3);
    }

    @Test
    void aStateFileFromBeforeReplicationGroupsKeepsItsTunnelOnItsNode() throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode) state();
        old.remove("memberAddresses");
        Files.write(stateFile, Json.MAPPER.writeValueAsBytes(old));
        machine.tunnels.kill(state().path("tunnelPid").asLong());

        assertThat(watchdogOnce()).isZero();

        assertThat(machine.tunnels.started.get(1).nodeAddresses()).containsExactly("10.0.0.5:20490");
        assertThat(log()).contains("tunnel to 10.0.0.5:20490 running again");

        // Renewed with the same one node, now named as the group's only member: nothing to restart.
        controlPlane.memberAddresses("10.0.0.5:20490");
        later(Duration.ofMinutes(50));

        assertThat(watchdogOnce()).isZero();

        assertThat(controlPlane.mountRequests()).hasSize(2);
        assertThat(machine.tunnels.started).hasSize(2);
        assertThat(state().path("memberAddresses").toString()).isEqualTo("[\"10.0.0.5:20490\"]");
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
