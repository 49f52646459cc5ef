package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Symlinks and hard links: through NFS, and as objects in the bucket. */
class LinksTest extends OneHarnessPerClass {

    @Test
    void symlinkRoundTrip() throws Exception {
        String target = "../some/where/target.txt";
        h.mkdir("/sl");
        h.file("/sl/link").symlink(target, new NfsSetAttributes());

        assertThat(h.file("/sl/link").readlink().getData()).isEqualTo(target);
        assertThat(h.attrs("/sl/link").getType()).isEqualTo(NfsType.NFS_LNK);

        h.flush();
        assertThat(h.objectBytes("sl/link")).asString(StandardCharsets.UTF_8).isEqualTo(target);
        String mode = h.head("sl/link").metadata().get("mode");
        assertThat(mode).as("mode metadata of the symlink object").isNotNull();
        assertThat(Long.parseLong(mode) & 0170000).as("S_IFLNK bits").isEqualTo(0120000);

        // still a symlink after a restart from an empty data dir (imported from the bucket)
        h.stopPlane();
        ItHarness.deleteTree(h.dataDir());
        h.start(tmp.resolve("data-cold"));
        assertThat(h.file("/sl/link").readlink().getData()).isEqualTo(target);
    }

    @Test
    void hardLinkRoundTrip() throws Exception {
        byte[] data = "shared by two names\n".getBytes(StandardCharsets.UTF_8);
        h.mkdir("/hl");
        h.writeFile("/hl/a.txt", data);
        h.file("/hl/b.txt").link(h.file("/hl/a.txt"));

        assertThat(h.readFile("/hl/a.txt")).isEqualTo(data);
        assertThat(h.readFile("/hl/b.txt")).isEqualTo(data);
        assertThat(h.attrs("/hl/a.txt").getNlink()).isEqualTo(2);
        assertThat(h.attrs("/hl/b.txt").getNlink()).isEqualTo(2);
        assertThat(h.attrs("/hl/b.txt").getFileid()).isEqualTo(h.attrs("/hl/a.txt").getFileid());

        h.flush();
        assertThat(h.objectBytes("hl/a.txt")).isEqualTo(data);
        assertThat(h.objectBytes("hl/b.txt")).isEqualTo(data);

        h.file("/hl/a.txt").remove();
        assertThat(h.exists("/hl/a.txt")).isFalse();
        assertThat(h.readFile("/hl/b.txt")).isEqualTo(data);
        assertThat(h.attrs("/hl/b.txt").getNlink()).isEqualTo(1);

        h.flush();
        assertThat(h.objectExists("hl/a.txt")).as("key of the removed name").isFalse();
        assertThat(h.objectBytes("hl/b.txt")).as("key of the remaining name").isEqualTo(data);
    }
}
