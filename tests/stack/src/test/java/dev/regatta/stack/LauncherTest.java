package dev.regatta.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The processes {@code regatta up} runs, as the operating system sees them: nothing they write under the data
 * directory is readable by another local user, whatever umask the user had, and every JVM ends at its first
 * OutOfMemoryError. Through the {@code ./regatta} launcher, and through the bare command line (the JVMs must not
 * rely on the launcher's umask).
 */
class LauncherTest {

    private static final Duration START = Duration.ofMinutes(3);
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path dir;

    @Test
    void upThroughTheLauncherUnderAPermissiveUmaskKeepsItsFilesPrivateAndItsJvmsExitOnOutOfMemory()
            throws Exception {
        try (RegattaUp up = RegattaUp.start(dir.resolve("up.log"), Map.of("REGATTA_JAVA_OPTS", "-Xmx256m"), "022",
                true, args())) {
            up.awaitLine("regatta: ready", START);
            long dataPlane = up.handle().pid();
            assertThat(Processes.commandLine(dataPlane)).as("the data plane's JVM")
                    .contains("-XX:+ExitOnOutOfMemoryError", "-Xmx256m");
            ProcessHandle controlPlane = controlPlaneOf(up);
            assertThat(Processes.commandLine(controlPlane.pid())).as("the control plane's JVM")
                    .contains("-XX:+ExitOnOutOfMemoryError");
            assertThat(Processes.umask(dataPlane)).isEqualTo("0077");
            assertThat(Processes.umask(controlPlane.pid())).isEqualTo("0077");
            assertThat(readableByOthers()).isEmpty();
            up.stop();
        }
        assertThat(readableByOthers()).isEmpty();
    }

    @Test
    void upStartedWithoutTheLauncherUnderAPermissiveUmaskStillKeepsItsFilesPrivate() throws Exception {
        try (RegattaUp up = RegattaUp.start(dir.resolve("up.log"), Map.of(), "022", false, args())) {
            up.awaitLine("regatta: ready", START);
            assertThat(Processes.umask(up.handle().pid())).isEqualTo("0077");
            assertThat(Processes.umask(controlPlaneOf(up).pid())).isEqualTo("0077");
            assertThat(readableByOthers()).isEmpty();
            up.stop();
        }
        assertThat(readableByOthers()).isEmpty();
    }

    private String[] args() {
        return new String[] {"--data-dir", dir.resolve("data").toString(), "--s3-port", "0", "--api-port", "0",
                "--nfs-port", "0", "--tls-port", "0"};
    }

    private static ProcessHandle controlPlaneOf(RegattaUp up) {
        return up.handle().children()
                .filter(child -> Processes.commandLine(child.pid()).stream()
                        .anyMatch(arg -> arg.contains("regatta-control-plane")))
                .findFirst().orElseThrow(() -> new AssertionError("no control plane under " + up.handle().pid()));
    }

    /** Every file and directory under the data directory (itself included) that group or other may use. */
    private List<String> readableByOthers() throws IOException {
        try (Stream<Path> all = Files.walk(dir.resolve("data"))) {
            return all.filter(path -> !Files.isSymbolicLink(path)).flatMap(path -> {
                try {
                    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path,
                            LinkOption.NOFOLLOW_LINKS);
                    permissions.retainAll(GROUP_OR_OTHER);
                    return permissions.isEmpty() ? Stream.empty() : Stream.of(path + " " + permissions);
                } catch (IOException gone) {
                    return Stream.empty(); // removed while walking (a temporary file)
                }
            }).toList();
        }
    }
}
