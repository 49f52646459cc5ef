package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsGetAttributes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Objects put, overwritten and deleted with a plain S3 client show up in the file system (revalidate-after 2 s). */
class S3SideChangesTest extends OneHarnessPerClass {

    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putOverwriteDeleteBehindTheFileSystemsBack() throws Exception {
        h.mkdir("/ext");
        assertThat(h.list("/ext")).isEmpty();

        h.putObject("ext/new.txt", utf8("version one\n"), Map.of());
        ItHarness.eventually(VISIBLE_WITHIN, () -> {
            assertThat(h.list("/ext")).contains("new.txt");
            assertThat(h.readFile("/ext/new.txt")).asString(StandardCharsets.UTF_8).isEqualTo("version one\n");
        });

        h.putObject("ext/new.txt", utf8("version two, longer\n"), Map.of());
        ItHarness.eventually(VISIBLE_WITHIN, () -> assertThat(h.readFile("/ext/new.txt"))
                .asString(StandardCharsets.UTF_8).isEqualTo("version two, longer\n"));

        h.deleteObject("ext/new.txt");
        ItHarness.eventually(VISIBLE_WITHIN, () -> {
            assertThat(h.list("/ext")).doesNotContain("new.txt");
            assertThat(h.exists("/ext/new.txt")).isFalse();
        });
    }

    @Test
    void s3fsMetadataBecomesAttributes() throws Exception {
        long mtime = 1_700_000_000L;
        h.putObject("script.sh", utf8("#!/bin/sh\necho hi\n"), Map.of(
                "mode", "33261", "uid", "1000", "gid", "1000", "mtime", Long.toString(mtime)));
        ItHarness.eventually(VISIBLE_WITHIN, () -> assertThat(h.list("/")).contains("script.sh"));
        NfsGetAttributes a = h.attrs("/script.sh");
        assertThat(a.getMode() & 07777).as("permission bits").isEqualTo(0755);
        assertThat(a.getUid()).isEqualTo(1000);
        assertThat(a.getGid()).isEqualTo(1000);
        assertThat(a.getMtime().getTimeInMillis()).isEqualTo(mtime * 1000);
        assertThat(a.getSize()).isEqualTo(utf8("#!/bin/sh\necho hi\n").length);
    }

    // Keys that cannot be paths (a//b, x/../y) cannot be stored through S3Proxy, whose HTTP layer normalises
    // them; ImporterTest feeds such keys to the importer through a listing instead.
}
