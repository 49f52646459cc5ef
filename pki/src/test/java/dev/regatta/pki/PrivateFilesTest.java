package dev.regatta.pki;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** The umask and the data directory that keep a server's files its own user's. */
class PrivateFilesTest {

    @TempDir
    Path dir;

    @Test
    void underTheRestrictedUmaskFilesAndDirectoriesAreTheOwnersAlone() throws Throwable {
        int before = PrivateFiles.umask(0022);
        try {
            assertThat(PrivateFiles.restrictUmask()).isTrue();
            Path sub = Files.createDirectories(dir.resolve("sub"));
            Path file = Files.writeString(sub.resolve("file"), "data");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sub))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PrivateFiles.umask(PrivateFiles.PRIVATE_UMASK)).isEqualTo(PrivateFiles.PRIVATE_UMASK);
        } finally {
            PrivateFiles.umask(before); // the rest of this JVM's tests keep theirs
        }
    }

    @Test
    void aDataDirectoryLeftOpenByAnEarlierVersionIsClosed() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        PrivateFiles.privateDirectory(data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
    }
}
