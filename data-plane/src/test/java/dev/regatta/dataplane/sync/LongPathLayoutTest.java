package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.s3.KeyCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The long-path form as the file system, the importer and the sync engine use it, over S3Proxy: what a listing shows
 * of the reserved prefix, the records' lifetime, and uploads in parts to long keys.
 */
class LongPathLayoutTest extends RigTest {


    final KeyCodec layout = new KeyCodec("");

    /** Every directory is listed again at each access, so what the file system shows is what the bucket holds. */
    void open() {
        open(Duration.ZERO).startSync(Duration.ofMillis(50), Duration.ofSeconds(5), 5L << 20, 5L << 20);
    }

    void flush() throws InterruptedException {
        assertThat(rig.sync.flush(Duration.ofSeconds(30))).as("flush drained the queue").isTrue();
    }

    List<String> names(long dirId) throws FsException {
        List<String> names = new ArrayList<>();
        for (Results.DirEntry e : fs.readdir(Caller.ROOT, dirId, 0, 0, 10_000, false).entries()) {
            names.add(e.name());
        }
        names.removeAll(List.of(".", ".."));
        return names;
    }

    TreeSet<String> bucketKeys() {
        TreeSet<String> keys = new TreeSet<>();
        rig.raw.listObjectsV2Paginator(b -> b.bucket(rig.bucket)).contents().forEach(o -> keys.add(o.key()));
        return keys;
    }

    /** Five levels of 250-byte names: every key below the deepest is over 1024 bytes. */
    record Deep(long id, String path, long parentId, String parentPath) {
    }

    Deep deepDirectory() throws FsException {
        long id = root;
        long parentId = root;
        String path = "";
        String parentPath = "";
        for (int level = 1; level <= 5; level++) {
            String name = level + "d".repeat(249);
            parentId = id;
            parentPath = path;
            id = rig.mkdir(id, name);
            path = path.isEmpty() ? name : path + "/" + name;
        }
        assertThat(layout.isNative(layout.fileKey(path + "/x"))).isFalse();
        assertThat(layout.mayHoldLongEntries(parentPath)).isTrue();
        return new Deep(id, path, parentId, parentPath);
    }

    @Test
    void theReservedPrefixNeverShowsAtTheRootButAnEntryOfThatNameIsKeptInTheLongForm() throws Exception {
        open();
        Deep deep = deepDirectory();
        rig.write(rig.create(deep.id(), "far"), 0, "far away");
        flush();
        assertThat(bucketKeys()).anyMatch(k -> k.startsWith(".regatta/long/"));
        assertThat(names(root)).containsExactly("1" + "d".repeat(249));

        long reserved = rig.mkdir(root, KeyCodec.RESERVED_NAME);
        long inner = rig.mkdir(reserved, "long");
        rig.write(rig.create(inner, "x"), 0, "mine");
        flush();
        assertThat(bucketKeys()).as("nothing of the user's .regatta is where the layout keeps its own")
                .doesNotContain(".regatta/", ".regatta/long/", ".regatta/long/x")
                .contains(layout.longFolder("") + ".regatta/", layout.longFolder(".regatta") + "long/",
                        layout.longFolder(".regatta/long") + "x");
        assertThat(names(root)).containsExactlyInAnyOrder("1" + "d".repeat(249), ".regatta");
        assertThat(names(reserved)).containsExactly("long");
        assertThat(names(inner)).containsExactly("x");
        assertThat(rig.readString(rig.lookup(inner, "x"))).isEqualTo("mine");
    }

    @Test
    void aKeyInTheLongFormWhosePathWouldFitIsLeftOutOfTheViewAndCounted() throws Exception {
        open();
        rig.mkdir(root, "short");
        flush();
        rig.putObject(layout.longFolder("short") + "stray", "put by hand", Map.of());
        rig.putObject(layout.longFolder("nowhere") + "orphan", "no directory of ours", Map.of());
        long shortDir = rig.lookup(root, "short");
        assertThat(names(shortDir)).isEmpty();
        assertThat(names(root)).containsExactly("short");

        Deep deep = deepDirectory();
        // The mkdir below the parent revalidated it in the background; a listing still running could have passed
        // the key before it was put, and the readdir below would only join it.
        rig.importer.revalidation(deep.parentId()).get(60, TimeUnit.SECONDS);
        // The parent's own marker, five levels down, is in the long form; a short name there is not.
        rig.putObject(layout.longFolder(deep.parentPath()) + "s", "fits natively", Map.of());
        assertThat(names(deep.parentId())).containsExactly("5" + "d".repeat(249));
        rig.importer.revalidation(deep.parentId()).get(60, TimeUnit.SECONDS); // the listing that counts it
        assertThat(rig.metrics.counter("import_misplaced_long_path_keys_total").count()).isEqualTo(1);
    }

    @Test
    void aFolderKeepsItsRecordWhileItHoldsEntriesAndLosesItWithTheLast() throws Exception {
        open();
        Deep deep = deepDirectory();
        rig.write(rig.create(deep.id(), "one"), 0, "1");
        rig.write(rig.create(deep.id(), "two"), 0, "2");
        flush();
        String record = layout.recordKey(layout.longFolder(deep.path()));
        assertThat(new String(rig.getObject(record), StandardCharsets.UTF_8)).isEqualTo(deep.path());
        assertThat(rig.metadata(record)).containsEntry(KeyCodec.RECORD_FORMAT_KEY, KeyCodec.RECORD_FORMAT);

        fs.remove(Caller.ROOT, deep.id(), "one");
        flush();
        assertThat(rig.exists(record)).as("a file is left in the folder").isTrue();
        fs.remove(Caller.ROOT, deep.id(), "two");
        flush();
        assertThat(rig.exists(record)).as("the folder is empty").isFalse();
        assertThat(bucketKeys()).noneMatch(k -> k.startsWith(layout.longFolder(deep.path())));
        assertThat(rig.exists(layout.recordKey(layout.longFolder(deep.parentPath()))))
                .as("the record of the folder holding the deepest directory's own marker").isTrue();

        rig.write(rig.create(deep.id(), "three"), 0, "3");
        flush();
        assertThat(rig.exists(record)).as("written again before the folder's first entry").isTrue();
    }

    @Test
    void aLargeFileAtALongPathIsUploadedInPartsAndItsUnchangedPartsAreCopiedFromItsLongKey() throws Exception {
        open();
        Deep deep = deepDirectory();
        long file = rig.create(deep.id(), "big");
        byte[] data = new byte[11 << 20];
        Arrays.fill(data, (byte) 'a');
        rig.write(file, 0, data);
        flush();
        String key = layout.storedKey(layout.fileKey(deep.path() + "/big"));
        assertThat(rig.getObject(key)).hasSize(data.length);

        rig.write(file, data.length - 1, "z");
        flush();
        byte[] stored = rig.getObject(key);
        assertThat(stored).hasSize(data.length);
        assertThat(stored[data.length - 1]).isEqualTo((byte) 'z');
        assertThat(stored[0]).isEqualTo((byte) 'a');
        assertThat(rig.requests("upload_part_copy")).as("the untouched first parts were copied").isPositive();
    }
}
