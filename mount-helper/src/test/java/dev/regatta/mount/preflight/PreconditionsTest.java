package dev.regatta.mount.preflight;

import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.testing.TestMachine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each precondition fails with its own message and mount(8)'s exit code, before the control plane is asked anything
 * (the control plane here is an address where nothing listens: reaching it would be another error).
 */
class PreconditionsTest {

    private static final String FS = "fs-0123456789abcdef0";

    @TempDir
    Path temp;
    private TestMachine machine;
    private Path mountPoint;

    @BeforeEach
    void setUp() {
        machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));
        mountPoint = machine.directory("mnt/data");
    }

    @Test
    void onlyRootMounts() throws IOException {
        machine.effectiveUid(1000);

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(1);
        assertThat(machine.err()).isEqualTo("mount.regatta: only root can mount (effective user ID is 1000): run it "
                + "with sudo, or through mount(8) as root\n");
    }

    @Test
    void theMountPointMustExist() {
        Path missing = temp.resolve("mnt/missing");

        assertThat(machine.run(FS, missing.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("mount point " + missing + " does not exist: create it first (mkdir -p "
                + missing + ")");
    }

    @Test
    void theMountPointMustBeADirectory() throws IOException {
        Path file = Files.writeString(temp.resolve("file"), "x");

        assertThat(machine.run(FS, file.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("mount point " + file + " is not a directory");
    }

    @Test
    void nothingMayBeMountedThereAlready() {
        Path spaced = machine.directory("mnt/with space");
        machine.mounted(spaced, "nfs", "127.0.0.1:/" + FS);

        assertThat(machine.run(FS, spaced.toString())).isEqualTo(32);
        assertThat(machine.err()).contains(spaced + " is already a mount point (127.0.0.1:/" + FS + ", type nfs); "
                + "unmount it first or choose another directory");
    }

    @Test
    void loadsTheNfsModuleWhenTheKernelDoesNotListItYet() throws IOException {
        Files.writeString(machine.kernelFilesystems, "nodev\tsysfs\n\text4\n");
        machine.commands.answer(command -> {
            if (command.equals(List.of("modprobe", "nfs"))) {
                try {
                    Files.writeString(machine.kernelFilesystems, "nodev\tnfs\n", StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return new CommandResult(0, "", "");
            }
            return new CommandResult(1, "", "");
        });

        machine.run(FS, mountPoint.toString());

        assertThat(machine.commands.ranCommand("modprobe")).containsExactly(List.of("modprobe", "nfs"));
        // past the kernel check: it is the control plane that cannot be reached
        assertThat(machine.err()).contains("cannot reach the control plane at http://127.0.0.1:9");
    }

    @Test
    void aKernelWithoutNfsIsAMountFailureThatSaysWhatToInstall() throws IOException {
        Files.writeString(machine.kernelFilesystems, "nodev\tsysfs\n\text4\n");
        machine.commands.answer(command -> new CommandResult(1, "",
                "modprobe: FATAL: Module nfs not found in directory /lib/modules/6.1.0\n"));

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("this kernel has no NFS client: nfs is not in " + machine.kernelFilesystems
                + " and 'modprobe nfs' did not add it (modprobe: FATAL: Module nfs not found in directory "
                + "/lib/modules/6.1.0); install the kernel's NFS modules");
    }

    @Test
    void noMountDoesNotNeedThisKernelsNfsClient() throws IOException {
        Files.writeString(machine.kernelFilesystems, "nodev\tsysfs\n\text4\n");
        Files.delete(temp.resolve("mount.nfs"));
        machine.commands.answer(command -> new CommandResult(1, "", "modprobe: FATAL: Module nfs not found\n"));

        machine.run("--no-mount", FS, mountPoint.toString());

        // Past the checks: the next step, asking the control plane (none in this test), is what fails.
        assertThat(machine.err()).doesNotContain("NFS client", "mount.nfs").contains("cannot reach the control plane");
    }

    @Test
    void mountNfsMustBeInstalled() throws IOException {
        Files.delete(temp.resolve("mount.nfs"));

        assertThat(machine.run(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(machine.err()).contains("mount.nfs is not installed", "install nfs-common (Debian, Ubuntu) or "
                + "nfs-utils");
    }

    @Test
    void withoutCredentialsItSaysWhereTheyAreLookedFor() {
        var environment = machine.environment();
        var noCredentials = new dev.regatta.mount.Environment(environment.config(), environment.host(),
                environment.commands(), environment.tunnels(), environment.watchdogs(),
                profile -> () -> {
                    throw software.amazon.awssdk.core.exception.SdkClientException.create(
                            "Unable to load credentials from any of the providers in the chain");
                }, environment.clock(), environment.out(), environment.err());
        var err = new java.io.StringWriter();
        var cli = dev.regatta.mount.MountRegatta.commandLine(() -> noCredentials);
        cli.setErr(new java.io.PrintWriter(err, true));

        assertThat(cli.execute(FS, mountPoint.toString())).isEqualTo(32);
        assertThat(err.toString()).contains("no AWS credentials found: Unable to load credentials from any of the "
                + "providers in the chain; on EC2 attach an instance profile (IAM role) to the instance and allow "
                + "IMDSv2");
    }
}
