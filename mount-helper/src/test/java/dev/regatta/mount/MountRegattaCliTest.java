package dev.regatta.mount;

import dev.regatta.mount.testing.TestMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What mount(8) and a user see of the command line itself. */
class MountRegattaCliTest {

    @TempDir
    Path temp;

    @Test
    void versionAndHelp() {
        TestMachine machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));

        assertThat(machine.run("--version")).isZero();
        assertThat(machine.out()).isEqualTo("mount.regatta " + BuildVersion.version() + "\n");
        assertThat(BuildVersion.version()).as("filled in by the build").matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(machine.run("--help")).isZero();
        assertThat(machine.out()).contains("Usage: mount.regatta", "FS_ID", "DIR", "-o=OPTIONS", "--no-mount",
                "awsprofile=NAME", "Exit codes:", "watchdog");
    }

    @Test
    void missingArgumentsAreAUsageError() {
        TestMachine machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));

        assertThat(machine.run("fs-0123456789abcdef0")).isEqualTo(1);
        assertThat(machine.err()).contains("usage: mount.regatta FS_ID DIR [-o OPTIONS]");
    }

    @Test
    void unknownFlagsAreAUsageError() {
        TestMachine machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));

        assertThat(machine.run("fs-0123456789abcdef0", "/mnt", "--frobnicate")).isEqualTo(1);
        assertThat(machine.err()).contains("Unknown option: '--frobnicate'");
    }

    @Test
    void badFileSystemIdsAndOwnedOptionsAreUsageErrorsBeforeAnythingElse() {
        TestMachine machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));

        assertThat(machine.run("fs-XYZ", "/mnt")).isEqualTo(1);
        assertThat(machine.err()).contains("mount.regatta: 'fs-XYZ' is not a file system ID");
        assertThat(machine.run("fs-0123456789abcdef0", "/mnt", "-o", "vers=4")).isEqualTo(1);
        assertThat(machine.err()).contains("mount.regatta: option 'vers' is set by mount.regatta: the NFS version is "
                + "always 3; remove it from -o");
        assertThat(machine.commands.ran).isEmpty();
    }

    @Test
    void acceptsTheFlagsMountPassesToHelpers() {
        TestMachine machine = new TestMachine(temp, URI.create("http://127.0.0.1:9"));
        Path mountPoint = machine.directory("mnt");

        machine.run("fs-0123456789abcdef0", mountPoint.toString(), "-n", "-s", "-t", "regatta", "-o", "rw");

        // past the command line and the preconditions: only the control plane (nothing at port 9) is missing
        assertThat(machine.err()).contains("cannot reach the control plane at http://127.0.0.1:9");
    }
}
