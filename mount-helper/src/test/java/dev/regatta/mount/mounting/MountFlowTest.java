package dev.regatta.mount.mounting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.mount.Json;
import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.testing.FakeControlPlane;
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
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The whole mount against a WireMock control plane, with a fake tunnel and a fake kernel mount. */
class MountFlowTest {

    private static final String FS = "fs-0123456789abcdef0";

    @TempDir
    Path temp;
    private FakeControlPlane controlPlane;
    private TestMachine machine;
    private Path mountPoint;

    @BeforeEach
    void setUp() {
        controlPlane = new FakeControlPlane();
        machine = new TestMachine(temp, controlPlane.url());
        mountPoint = machine.directory("mnt/data");
    }

    @AfterEach
    void tearDown() {
        controlPlane.close();
    }

    @Test
    void mountsThroughTheTunnelAndLeavesStateKeyAndCertificateForTheWatchdog() throws Exception {
        int exit = machine.run(FS, mountPoint.toString(), "-o", "hard,timeo=600,actimeo=1");

        assertThat(exit).as(machine.err()).isZero();
        assertThat(machine.err()).isEmpty();

        TunnelSpec tunnel = machine.tunnels.started.get(0);
        assertThat(tunnel.nodeAddresses()).as("an older control plane names one node").containsExactly(
                "10.0.0.5:20490");
        assertThat(tunnel.listenPort()).isEmpty();
        assertThat(tunnel.portRange().toString()).isEqualTo("21049-21548");

        String address = tunnel.listenAddress();
        assertThat(address).as("the mount's own loopback address").matches("127\\.0\\.77\\.\\d+");
        assertThat(tunnel.portmapper()).isTrue();
        assertThat(tunnel.portmapperPort()).as("any free one").isZero();
        assertThat(machine.commands.ranCommand("nft")).as("before the kernel mount").containsExactly(List.of("nft",
                "add table ip regatta; add chain ip regatta lock-" + address.replace('.', '-') + " { type nat hook "
                        + "output priority -100; policy accept; }; flush chain ip regatta lock-"
                        + address.replace('.', '-') + "; add rule ip regatta lock-" + address.replace('.', '-')
                        + " ip daddr " + address + " tcp dport 111 dnat to " + address + ":40111; add rule ip regatta "
                        + "lock-" + address.replace('.', '-') + " ip daddr " + address + " udp dport 111 dnat to "
                        + address + ":40111"));
        assertThat(machine.commands.ran.get(machine.commands.ran.size() - 1).get(0)).isEqualTo("mount");
        assertThat(machine.commands.ranCommand("mount")).as("with locks: no nolock").containsExactly(List.of(
                "mount", "-t", "nfs", "-o", "vers=3,proto=tcp,port=21049,mountport=21049,rw,hard,timeo=600,actimeo=1",
                address + ":/" + FS, mountPoint.toString()));

        Path credentials = tunnel.credentials().directory();
        assertThat(credentials.getParent()).isEqualTo(temp.resolve("lib").resolve(FS));
        assertThat(mode(credentials)).isEqualTo("rwx------");
        assertThat(mode(credentials.getParent())).isEqualTo("rwx------");
        for (Path file : List.of(tunnel.credentials().key(), tunnel.credentials().certificate(),
                tunnel.credentials().caCertificates())) {
            assertThat(mode(file)).as(file.toString()).isEqualTo("rw-------");
        }
        assertThat(Files.readString(tunnel.credentials().key())).startsWith("-----BEGIN PRIVATE KEY-----");
        X509Certificate certificate = Pem.certificate(Files.readString(tunnel.credentials().certificate()));
        assertThat(certificate.getSubjectX500Principal().getName()).contains("CN=mount-00000000000000001");
        assertThat(Files.readString(tunnel.credentials().caCertificates()))
                .isEqualTo(controlPlane.ca().certificatePem());

        Path stateFile = onlyStateFile();
        assertThat(mode(stateFile)).isEqualTo("rw-------");
        JsonNode state = Json.MAPPER.readTree(stateFile.toFile());
        assertThat(state.path("fileSystemId").asText()).isEqualTo(FS);
        assertThat(state.path("mountPoint").asText()).isEqualTo(mountPoint.toString());
        assertThat(state.path("mountId").asText()).isEqualTo("mount-00000000000000001");
        assertThat(state.path("principal").asText()).isEqualTo(FakeControlPlane.ARN);
        assertThat(state.path("nodeAddress").asText()).isEqualTo("10.0.0.5:20490");
        assertThat(state.path("memberAddresses").toString()).isEqualTo("[\"10.0.0.5:20490\"]");
        assertThat(state.path("localPort").asInt()).isEqualTo(21049);
        assertThat(state.path("tunnelPid").asLong()).isPositive();
        assertThat(state.path("keyFile").asText()).isEqualTo(tunnel.credentials().key().toString());
        assertThat(state.path("certificateFile").asText()).isEqualTo(tunnel.credentials().certificate().toString());
        assertThat(state.path("access").asText()).isEqualTo("READ_WRITE");
        assertThat(state.path("expiresAt").asText()).isEqualTo(certificate.getNotAfter().toInstant().toString());
        assertThat(state.path("nfsOptions").toString()).contains("\"hard\"", "\"timeo=600\"")
                .doesNotContain("nolock");
        assertThat(state.path("listenAddress").asText()).isEqualTo(address);
        assertThat(state.path("portmapperPort").asInt()).isEqualTo(40111);
        assertThat(state.path("lockRedirect").asBoolean()).isTrue();
        assertThat(state.path("controlPlane").asText()).isEqualTo(controlPlane.url().toString());
        assertThat(state.path("stsEndpoint").asText()).isEqualTo("https://sts.us-east-1.amazonaws.com/");
        assertThat(Files.readString(stateFile)).doesNotContain("PRIVATE KEY", FakeControlPlane.SECRET_ACCESS_KEY);

        assertThat(machine.watchdogStarts).isEqualTo(1);
        JsonNode request = controlPlane.mountRequests().get(0);
        assertThat(request.path("fileSystemId").asText()).isEqualTo(FS);
        assertThat(request.path("access").asText()).isEqualTo("READ_WRITE");
        assertThat(request.path("csr").asText()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(request.has("renews")).as("a new mount renews nothing").isFalse();
        assertThat(controlPlane.unmountReports()).isEmpty();
    }

    @Test
    void aReplicatedFileSystemsMembersReachTheTunnelAndTheStateFile() throws IOException {
        controlPlane.memberAddresses("10.0.0.5:20490", "10.0.0.6:20490", "10.0.0.7:20490");

        assertThat(machine.run(FS, mountPoint.toString(), "-v")).as(machine.err()).isZero();

        assertThat(machine.tunnels.started.get(0).nodeAddresses()).containsExactly("10.0.0.5:20490",
                "10.0.0.6:20490", "10.0.0.7:20490");
        JsonNode state = Json.MAPPER.readTree(onlyStateFile().toFile());
        assertThat(state.path("nodeAddress").asText()).isEqualTo("10.0.0.5:20490");
        assertThat(state.path("memberAddresses").toString())
                .isEqualTo("[\"10.0.0.5:20490\",\"10.0.0.6:20490\",\"10.0.0.7:20490\"]");
        assertThat(machine.err()).contains("on node 10.0.0.5:20490 (of the replication group 10.0.0.5:20490, "
                + "10.0.0.6:20490, 10.0.0.7:20490)", "starting the TLS tunnel to 10.0.0.5:20490, 10.0.0.6:20490, "
                + "10.0.0.7:20490 on ");
    }

    @Test
    void theTunnelTriesTheNodeAddressFirstWhereverTheMembersListHasIt() {
        controlPlane.memberAddresses("10.0.0.6:20490", "10.0.0.5:20490");

        assertThat(machine.run(FS, mountPoint.toString())).as(machine.err()).isZero();

        assertThat(machine.tunnels.started.get(0).nodeAddresses()).containsExactly("10.0.0.5:20490",
                "10.0.0.6:20490");
    }

    @Test
    void aMemberAddressThatIsNotHostAndPortFailsTheMountBeforeTheTunnelStarts() {
        controlPlane.memberAddresses("10.0.0.5:20490", "10.0.0.6:20490,10.0.0.7:20490");

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);

        assertThat(machine.err()).contains("the control plane answered with a node address that is not host:port: "
                + "'10.0.0.6:20490,10.0.0.7:20490'", "the control plane's version may not match");
        assertThat(machine.tunnels.started).isEmpty();
        assertNothingLeft();
    }

    @Test
    void noMountPrintsTheExactKernelMountInsteadOfRunningIt() {
        int exit = machine.run(FS, mountPoint.toString(), "--no-mount", "-o", "port=2999,nconnect=4");

        assertThat(exit).as(machine.err()).isZero();
        assertThat(machine.commands.ranCommand("mount")).isEmpty();
        assertThat(machine.out()).isEqualTo("mount -t nfs -o vers=3,proto=tcp,port=2999,mountport=2999,rw,nconnect=4,"
                + "nolock 127.0.0.1:/" + FS + " " + mountPoint + "\n");
        assertThat(machine.tunnels.started.get(0).listenPort()).hasValue(2999);
        assertThat(machine.tunnels.started.get(0).listenAddress()).as("where a VM guest reaches it")
                .isEqualTo("127.0.0.1");
        assertThat(machine.tunnels.started.get(0).portmapper()).isFalse();
        assertThat(machine.commands.ranCommand("nft")).isEmpty();
    }

    @Test
    void readOnlyAsksForReadOnlyAccessAndMountsReadOnly() throws IOException {
        int exit = machine.run(FS, mountPoint.toString(), "-o", "ro");

        assertThat(exit).as(machine.err()).isZero();
        assertThat(controlPlane.mountRequests().get(0).path("access").asText()).isEqualTo("READ_ONLY");
        assertThat(machine.commands.ranCommand("mount").get(0).get(4))
                .isEqualTo("vers=3,proto=tcp,port=21049,mountport=21049,ro");
        assertThat(Json.MAPPER.readTree(onlyStateFile().toFile()).path("access").asText()).isEqualTo("READ_ONLY");
    }

    @Test
    void verboseExplainsEachStepWithoutSecrets() {
        int exit = machine.run(FS, mountPoint.toString(), "-v", "--no-mount");

        assertThat(exit).as(machine.err()).isZero();
        assertThat(machine.err()).contains("running as root", "is a directory", "nothing is mounted at",
                "not checking this kernel's NFS client", "AWS credentials from",
                "is server " + FakeControlPlane.SERVER_ID,
                "key pair", "signed the STS GetCallerIdentity proof for https://sts.us-east-1.amazonaws.com/",
                "granted to " + FakeControlPlane.ARN, "wrote the key (0600)", "starting the TLS tunnel",
                "listens on 127.0.0.1:21049", "state in", "the watchdog");
        assertThat(machine.err()).doesNotContain(FakeControlPlane.SECRET_ACCESS_KEY, "Signature=", "PRIVATE KEY");
    }

    @Test
    void forbiddenShowsTheControlPlanesReasonAndWhomToAsk() {
        String reason = "no grant of " + FS + " admits " + FakeControlPlane.ARN + ": an admin can grant its role, "
                + "user or account";
        controlPlane.refuse(403, reason);

        int exit = machine.run(FS, mountPoint.toString());

        assertThat(exit).isEqualTo(32);
        assertThat(machine.err()).contains("the control plane refused the mount (HTTP 403): " + reason,
                "ask a Regatta admin to grant your IAM role or user (the ARN above) access to it",
                "a read-only grant needs -o ro");
        assertNothingLeft();
    }

    @Test
    void noSuchFileSystemSaysToCheckTheIdAndControlPlane() {
        controlPlane.refuse(404, "there is no file system " + FS);

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("(HTTP 404): there is no file system " + FS,
                "check the file system ID, and that the control plane configured");
        assertNothingLeft();
    }

    @Test
    void tooManyRefusalsSaysWhenToRetry() {
        controlPlane.server().stubFor(post(urlPathEqualTo("/api/v1/mounts")).willReturn(
                FakeControlPlane.problem(429, "5 refused mount attempts from 10.0.0.9 within 300 s")
                        .withHeader("Retry-After", "120")));

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("(HTTP 429): 5 refused mount attempts", "retry in 120 s");
        assertNothingLeft();
    }

    @Test
    void unavailableSaysToTryLater() {
        controlPlane.refuse(503, "no live data-plane node serves " + FS + " (none heartbeated within 45 s); try "
                + "again later");

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("(HTTP 503): no live data-plane node serves", "try again in a few minutes");
        assertNothingLeft();
    }

    @Test
    void anUnreachableControlPlaneIsItsOwnError() {
        String url = controlPlane.url().toString();
        controlPlane.close();

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("cannot reach the control plane at " + url,
                "check control_plane in the configuration file (or -o control-plane=URL)");
        assertNothingLeft();
    }

    @Test
    void aProxyErrorPageIsShownWhenThereIsNoProblemDetail() {
        controlPlane.server().stubFor(post(urlPathEqualTo("/api/v1/mounts"))
                .willReturn(aResponse().withStatus(502).withBody("<html>Bad Gateway</html>")));

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("(HTTP 502): HTTP 502: <html>Bad Gateway</html>");
    }

    @Test
    void aFailedKernelMountStopsTheTunnelAndRemovesEverything() {
        machine.commands.answer(command -> new dev.regatta.mount.host.CommandResult(32, "",
                "mount.nfs: Connection refused\n"));

        int exit = machine.run(FS, mountPoint.toString());

        assertThat(exit).isEqualTo(32);
        assertThat(machine.err()).contains("the kernel NFS mount failed (mount exited with 32)",
                "mount.nfs: Connection refused", "tunnel-" + FS + "-21049.log");
        assertThat(machine.tunnels.stopped).hasSize(1);
        assertNothingLeft();
        assertThat(machine.watchdogStarts).isZero();
        assertThat(controlPlane.unmountReports()).as("the unused session is reported")
                .extracting(FakeControlPlane.UnmountCall::mountId).containsExactly("mount-00000000000000001");
    }

    @Test
    void aTunnelThatDoesNotStartFailsTheMountWithItsReason() {
        machine.tunnels.failStarts("the TLS tunnel did not start: it did not say it listens within 5 s; ...");

        assertThat(machine.run(FS, mountPoint.toString(), "-v")).isEqualTo(32);
        assertThat(machine.err()).contains("the TLS tunnel did not start",
                "told the control plane that mount mount-00000000000000001 is not used; it ended its session");
        assertThat(machine.commands.ranCommand("mount")).isEmpty();
        assertNothingLeft();
        assertThat(controlPlane.unmountReports()).hasSize(1);
    }

    @Test
    void twoMountsOfOneFileSystemInTwoDirectoriesKeepApart() throws IOException {
        Path other = machine.directory("mnt/other");

        assertThat(machine.run(FS, mountPoint.toString())).as(machine.err()).isZero();
        assertThat(machine.run(FS, other.toString(), "-o", "port=21100")).as(machine.err()).isZero();

        try (Stream<Path> files = Files.list(temp.resolve("run"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".json"))).hasSize(2);
        }
        assertThat(machine.tunnels.started.get(0).credentials().directory())
                .isNotEqualTo(machine.tunnels.started.get(1).credentials().directory());
    }

    @Test
    void aWatchdogThatDoesNotStartIsOnlyAWarningForAGoodMount() {
        machine.watchdogFailure = new java.io.UncheckedIOException("cannot start the watchdog",
                new IOException("No space left on device"));

        assertThat(machine.run(FS, mountPoint.toString())).isZero();
        assertThat(machine.err()).startsWith("mount.regatta: warning: mounted, but the watchdog did not start "
                + "(cannot start the watchdog)").contains("run 'mount.regatta watchdog'");
        assertThat(machine.commands.ranCommand("mount")).hasSize(1);
    }

    @Test
    void aTunnelLeftByAnUnfinishedMountOfTheSameDirectoryIsStoppedFirst() throws IOException {
        assertThat(machine.run(FS, mountPoint.toString(), "--no-mount")).isZero();
        long stale = Json.MAPPER.readTree(onlyStateFile().toFile()).path("tunnelPid").asLong();

        assertThat(machine.run(FS, mountPoint.toString(), "-v")).as(machine.err()).isZero();

        assertThat(machine.tunnels.stopped).containsExactly(stale);
        assertThat(Json.MAPPER.readTree(onlyStateFile().toFile()).path("tunnelPid").asLong()).isNotEqualTo(stale);
        assertThat(controlPlane.unmountReports()).as("the earlier mount's session is reported ended")
                .extracting(FakeControlPlane.UnmountCall::mountId).containsExactly("mount-00000000000000001");
        assertThat(machine.err()).contains("told the control plane that the earlier mount mount-00000000000000001 "
                + "ended");
        assertThat(Json.MAPPER.readTree(onlyStateFile().toFile()).path("mountId").asText())
                .isEqualTo("mount-00000000000000002");
    }

    @Test
    void withoutNftLocksStayLocalAndItSaysSoInOneLine() throws IOException {
        machine.nftInstalled = false;

        int exit = machine.run(FS, mountPoint.toString(), "-o", "hard");

        assertThat(exit).as(machine.err()).isZero();
        String address = machine.tunnels.started.get(0).listenAddress();
        assertThat(machine.commands.ranCommand("mount")).containsExactly(List.of("mount", "-t", "nfs", "-o",
                "vers=3,proto=tcp,port=21049,mountport=21049,rw,hard,nolock", address + ":/" + FS,
                mountPoint.toString()));
        assertThat(machine.err()).isEqualTo("mount.regatta: warning: NFS locks at " + mountPoint + " stay on this "
                + "instance (nolock, that is local_lock=all; other clients do not see them): nft (nftables) is not "
                + "installed\n");
        JsonNode state = Json.MAPPER.readTree(onlyStateFile().toFile());
        assertThat(state.path("lockRedirect").asBoolean()).isFalse();
        assertThat(state.path("nfsOptions").toString()).contains("\"nolock\"");
    }

    @Test
    void verboseSaysWhyLocksStayLocal() {
        machine.nftInstalled = false;

        assertThat(machine.run(FS, mountPoint.toString(), "-v")).isZero();

        assertThat(machine.err()).contains("NFS locks cannot go to the data plane: cannot run nft: ",
                "install nftables so that mount.regatta can send 127.0.77.", "warning: NFS locks at ");
    }

    @Test
    void aRuleNftRefusesIsAFallbackToo() {
        machine.commands.answer(command -> command.get(0).equals("nft")
                ? new CommandResult(1, "", "Error: Could not process rule: Operation not permitted\n")
                : machine.kernel(command));

        assertThat(machine.run(FS, mountPoint.toString())).isZero();

        assertThat(machine.err()).contains("stay on this instance", "nft could not add mount.regatta's netfilter "
                + "rule (Error: Could not process rule: Operation not permitted)");
        assertThat(machine.commands.ranCommand("mount").get(0).get(4)).endsWith(",nolock");
    }

    @Test
    void locksRequiredFailsTheMountWithTheReasonInsteadOfFallingBack() {
        machine.nftInstalled = false;

        int exit = machine.run(FS, mountPoint.toString(), "-o", "locks=required");

        assertThat(exit).isEqualTo(32);
        assertThat(machine.err()).contains("NFS locks cannot go to the data plane (locks=required): nft (nftables) "
                + "is not installed").doesNotContain("warning");
        assertThat(machine.commands.ranCommand("mount")).isEmpty();
        assertThat(machine.tunnels.stopped).hasSize(1);
        assertNothingLeft();
    }

    @Test
    void locksOffMountsWithNolockAndTouchesNoNetfilter() {
        assertThat(machine.run(FS, mountPoint.toString(), "-o", "nolock")).as(machine.err()).isZero();

        assertThat(machine.err()).isEmpty();
        assertThat(machine.commands.ranCommand("nft")).isEmpty();
        assertThat(machine.tunnels.started.get(0).portmapper()).isFalse();
        assertThat(machine.commands.ranCommand("mount").get(0).get(4)).endsWith(",rw,nolock");
    }

    @Test
    void aMachineWithoutStatdGetsLocalLocksTheRuleRemovedAndTheMountRunAgain() throws IOException {
        machine.commands.answer(command -> command.get(0).equals("mount") && !command.get(4).contains("nolock")
                ? new CommandResult(32, "", "mount.nfs: rpc.statd is not running but is required for remote "
                + "locking.\nmount.nfs: Either use '-o nolock' to keep locks local, or start statd.\n")
                : machine.kernel(command));

        assertThat(machine.run(FS, mountPoint.toString())).as(machine.err()).isZero();

        String address = machine.tunnels.started.get(0).listenAddress();
        assertThat(machine.commands.ran).extracting(command -> command.get(0))
                .containsExactly("nft", "mount", "nft", "mount");
        assertThat(machine.commands.ran.get(2)).isEqualTo(List.of("nft", "flush chain ip regatta lock-"
                + address.replace('.', '-') + "; delete chain ip regatta lock-" + address.replace('.', '-')));
        assertThat(machine.commands.ran.get(3).get(4)).endsWith(",nolock");
        assertThat(machine.err()).contains("stay on this instance", "rpc.statd is not running and mount.nfs could "
                + "not start it");
        JsonNode state = Json.MAPPER.readTree(onlyStateFile().toFile());
        assertThat(state.path("lockRedirect").asBoolean()).isFalse();
        assertThat(state.path("nfsOptions").toString()).contains("\"nolock\"");
    }

    @Test
    void withoutStatdLocksRequiredFailsAndRemovesTheRule() {
        machine.commands.answer(command -> command.get(0).equals("mount")
                ? new CommandResult(32, "", "mount.nfs: rpc.statd is not running but is required for remote locking.")
                : machine.kernel(command));

        assertThat(machine.run(FS, mountPoint.toString(), "-o", "lock")).isEqualTo(32);

        assertThat(machine.err()).contains("NFS locks cannot go to the data plane (locks=required): rpc.statd is "
                + "not running");
        assertThat(machine.commands.ran).extracting(command -> command.get(0)).containsExactly("nft", "mount", "nft");
        assertThat(machine.commands.ran.get(2).get(1)).startsWith("flush chain ip regatta lock-127-0-77-");
        assertNothingLeft();
    }

    @Test
    void aFailedKernelMountRemovesTheNetfilterRule() {
        machine.commands.answer(command -> command.get(0).equals("mount")
                ? new CommandResult(32, "", "mount.nfs: Connection refused\n") : machine.kernel(command));

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);

        assertThat(machine.commands.ran).extracting(command -> command.get(0)).containsExactly("nft", "mount", "nft");
        assertThat(machine.commands.ran.get(0).get(1)).startsWith("add table ip regatta;");
        assertThat(machine.commands.ran.get(2).get(1)).startsWith("flush chain ip regatta lock-127-0-77-")
                .contains("delete chain");
        assertNothingLeft();
    }

    @Test
    void noMountWithLocksRequiredIsAUsageError() {
        assertThat(machine.run(FS, mountPoint.toString(), "--no-mount", "-o", "locks=required")).isEqualTo(1);
        assertThat(machine.err()).contains("locks=required needs the kernel mount on this machine");
        assertThat(machine.tunnels.started).isEmpty();
    }

    @Test
    void eachMountGetsALoopbackAddressOfItsOwn() throws IOException {
        Path other = machine.directory("mnt/other");

        assertThat(machine.run(FS, mountPoint.toString())).as(machine.err()).isZero();
        assertThat(machine.run(FS, other.toString())).as(machine.err()).isZero();

        String first = machine.tunnels.started.get(0).listenAddress();
        String second = machine.tunnels.started.get(1).listenAddress();
        assertThat(first).isNotEqualTo(second).startsWith("127.0.77.");
        assertThat(second).startsWith("127.0.77.");
        assertThat(machine.commands.ranCommand("mount")).extracting(command -> command.get(5))
                .containsExactly(first + ":/" + FS, second + ":/" + FS);
    }

    @Test
    void aTakenAddressIsSkipped() {
        String preferred = dev.regatta.mount.locks.LoopbackAddresses.choose(mountPoint, java.util.Set.of());
        String next = dev.regatta.mount.locks.LoopbackAddresses.choose(mountPoint, java.util.Set.of(preferred));
        assertThat(next).isNotEqualTo(preferred).startsWith("127.0.77.");
        assertThat(next).isNotIn("127.0.77.0", "127.0.77.255");
    }

    private void assertNothingLeft() {
        assertThat(temp.resolve("lib").resolve(FS)).doesNotExist();
        if (Files.exists(temp.resolve("run"))) {
            try (Stream<Path> files = Files.list(temp.resolve("run"))) {
                assertThat(files.filter(f -> f.toString().endsWith(".json"))).isEmpty();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private Path onlyStateFile() throws IOException {
        try (Stream<Path> files = Files.list(temp.resolve("run"))) {
            List<Path> states = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertThat(states).hasSize(1);
            return states.get(0);
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
