package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsGetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** chmod, chown and utimes (SETATTR) reach the object's metadata and survive a restart and a cold start. */
class SetAttributesTest {

    @TempDir
    Path tmp;
    ItHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void chmodChownUtimesPersist() throws Exception {
        h = ItHarness.inMemory(c -> c);
        h.start(tmp.resolve("data"));
        byte[] data = "attributes\n".getBytes(StandardCharsets.UTF_8);
        h.writeFile("/attrs.txt", data);
        h.mkdir("/attrdir");
        h.flush();

        long mtimeMs = 1_600_000_000_000L;
        NfsSetAttributes set = new NfsSetAttributes();
        set.setMode(0640L);
        set.setUid(1234L);
        set.setGid(5678L);
        set.setMtime(new NfsTime(mtimeMs));
        set.setAtime(new NfsTime(mtimeMs));
        h.file("/attrs.txt").setAttributes(set);
        NfsSetAttributes dirSet = new NfsSetAttributes();
        dirSet.setMode(0711L);
        dirSet.setUid(42L);
        h.file("/attrdir").setAttributes(dirSet);

        expectFile(h.attrs("/attrs.txt"), mtimeMs);
        h.flush();

        Map<String, String> meta = h.head("attrs.txt").metadata();
        assertThat(meta).containsEntry("mode", Integer.toString(0100640))
                .containsEntry("uid", "1234")
                .containsEntry("gid", "5678")
                .containsEntry("mtime", Long.toString(mtimeMs / 1000));
        Map<String, String> dirMeta = h.head("attrdir/").metadata();
        assertThat(dirMeta).containsEntry("mode", Integer.toString(0040711)).containsEntry("uid", "42");
        assertThat(h.objectBytes("attrs.txt")).isEqualTo(data);

        h.restart();
        expectFile(h.attrs("/attrs.txt"), mtimeMs);
        assertThat(h.attrs("/attrdir").getMode() & 07777).isEqualTo(0711);
        assertThat(h.readFile("/attrs.txt")).isEqualTo(data);

        // and from the bucket alone
        h.stopPlane();
        h.start(tmp.resolve("data-cold"));
        expectFile(h.attrs("/attrs.txt"), mtimeMs);
        assertThat(h.attrs("/attrdir").getMode() & 07777).isEqualTo(0711);
        assertThat(h.attrs("/attrdir").getUid()).isEqualTo(42);
    }

    private static void expectFile(NfsGetAttributes a, long mtimeMs) {
        assertThat(a.getMode() & 07777).as("mode").isEqualTo(0640);
        assertThat(a.getUid()).as("uid").isEqualTo(1234);
        assertThat(a.getGid()).as("gid").isEqualTo(5678);
        assertThat(a.getMtime().getTimeInMillis()).as("mtime").isEqualTo(mtimeMs);
    }
}
