package dev.regatta.mount.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MountTableTest {

    @TempDir
    Path temp;

    @Test
    void readsMountPointsTypesAndSourcesWithTheKernelsEscapes() throws IOException {
        Path mountinfo = Files.writeString(temp.resolve("mountinfo"), """
                22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw,discard
                98 22 0:52 / /mnt/my\\040data rw,relatime shared:50 master:3 - nfs 127.0.0.1:/fs-0123456789abcdef0 rw,vers=3
                99 22 0:53 / /mnt/back\\134slash rw - tmpfs tmpfs rw
                """);
        MountTable table = new MountTable(mountinfo);

        assertThat(table.entries()).containsExactly(
                new MountTable.Entry(Path.of("/"), "ext4", "/dev/nvme0n1p1"),
                new MountTable.Entry(Path.of("/mnt/my data"), "nfs", "127.0.0.1:/fs-0123456789abcdef0"),
                new MountTable.Entry(Path.of("/mnt/back\\slash"), "tmpfs", "tmpfs"));
        assertThat(table.isMounted(Path.of("/mnt/my data"), "nfs", "127.0.0.1:/fs-0123456789abcdef0")).isTrue();
        assertThat(table.isMounted(Path.of("/mnt/my data"), "nfs", "127.0.0.1:/fs-0123456789abcdef1")).isFalse();
        assertThat(table.isMounted(Path.of("/mnt"), "nfs", "127.0.0.1:/fs-0123456789abcdef0")).isFalse();
    }
}
