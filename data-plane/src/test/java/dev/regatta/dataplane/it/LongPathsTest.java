package dev.regatta.dataplane.it;

import com.emc.ecs.nfsclient.nfs.NfsException;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsStatus;
import com.emc.ecs.nfsclient.nfs.NfsType;
import dev.regatta.dataplane.s3.KeyCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Paths whose keys exceed S3's 1024 bytes, over NFS into an on-disk bucket: they work like any other, are stored in
 * the long form (see {@link KeyCodec}), move between the forms when a directory rename changes their length, and
 * come back after a restart and on a node that starts from the bucket alone. Every check of the bucket compares
 * its whole key set with what the layout says it must hold.
 */
class LongPathsTest {

    /**
     * 40 levels of 90-byte names: the deepest file's path is 3,649 bytes, within PATH_MAX (4,096 with the NUL) even
     * after the rename below lengthens one name by 100 bytes. 200-byte names would pass PATH_MAX at level 21; a
     * second tree takes those 20 levels deep.
     */
    static final int LEVELS = 40;
    static final int NAME_BYTES = 90;
    static final int[] FILE_DEPTHS = {1, 5, 10, 11, 12, 20, 30, 40};

    @TempDir
    Path tmp;
    ItHarness h;
    final KeyCodec layout = new KeyCodec("");

    @BeforeEach
    void start() throws Exception {
        h = ItHarness.onDisk(tmp.resolve("s3"), c -> c);
        h.start(tmp.resolve("data"));
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    static String name(int level, int bytes) {
        String tag = String.format("L%02d-", level);
        return tag + "n".repeat(bytes - tag.length());
    }

    /** The directories of a chain under {@code top}, shallowest first, as paths without a leading '/'. */
    static List<String> chain(String top, String first, int levels, int bytes) {
        List<String> dirs = new ArrayList<>();
        String path = top + "/" + first;
        dirs.add(path);
        for (int level = 2; level <= levels; level++) {
            path = path + "/" + name(level, bytes);
            dirs.add(path);
        }
        return dirs;
    }

    static String content(String file) {
        return "contents of " + file.substring(file.lastIndexOf('/') + 1) + " at " + file.length() + " bytes\n";
    }

    @Test
    void aTreeFortyLevelsDeepIsWrittenRenamedRestartedAndReadBackWithEveryKeyWithinS3sLimit() throws Exception {
        h.mkdir("/tree");
        List<String> dirs = chain("tree", name(1, NAME_BYTES), LEVELS, NAME_BYTES);
        Map<String, String> files = new LinkedHashMap<>(); // path -> content, by depth
        for (int depth = 1; depth <= LEVELS; depth++) {
            h.mkdir("/" + dirs.get(depth - 1));
        }
        for (int depth : FILE_DEPTHS) {
            String file = dirs.get(depth - 1) + "/f" + depth;
            files.put(file, content(file));
            h.writeFile("/" + file, files.get(file).getBytes(StandardCharsets.UTF_8));
        }
        List<String> wide = chain("wide", name(1, 200), 20, 200);
        h.mkdir("/wide");
        for (String dir : wide) {
            h.mkdir("/" + dir);
        }
        String wideFile = wide.getLast() + "/deepest";
        files.put(wideFile, content(wideFile));
        h.writeFile("/" + wideFile, files.get(wideFile).getBytes(StandardCharsets.UTF_8));
        assertThat(("/" + dirs.getLast() + "/f40").length()).isEqualTo(3_649);
        assertThat(("/" + wideFile).length()).isEqualTo(4_033);
        h.flush();

        List<String> allDirs = new ArrayList<>(List.of("tree", "wide"));
        allDirs.addAll(dirs);
        allDirs.addAll(wide);
        assertThat(layout.isNative(layout.fileKey(dirs.get(10) + "/f11"))).as("depth 11 fits").isTrue();
        assertThat(layout.isNative(layout.fileKey(dirs.get(11) + "/f12"))).as("depth 12 does not").isFalse();
        assertBucketHolds(allDirs, files);
        assertThat(h.list("/")).doesNotContain(KeyCodec.RESERVED_NAME).contains("tree", "wide");
        assertThat(ItHarness.metric(h.plane().scrapeMetrics(), "s3_long_path_writes_total")).isPositive();

        // Shorter by 89 bytes: depth 12 comes back to a native key.
        String shortFirst = "tree/s";
        h.file("/" + dirs.getFirst()).rename(h.file("/" + shortFirst));
        dirs = chain("tree", "s", LEVELS, NAME_BYTES);
        files = renamed(files, "tree/" + name(1, NAME_BYTES), shortFirst);
        allDirs = replaceTree(allDirs, dirs);
        h.flush();
        assertThat(layout.isNative(layout.fileKey(dirs.get(11) + "/f12"))).isTrue();
        assertBucketHolds(allDirs, files);

        // Longer by 100 bytes than at first: depth 11 goes past the limit.
        String longFirst = "tree/" + name(1, NAME_BYTES + 100);
        h.file("/" + shortFirst).rename(h.file("/" + longFirst));
        dirs = chain("tree", name(1, NAME_BYTES + 100), LEVELS, NAME_BYTES);
        files = renamed(files, shortFirst, longFirst);
        allDirs = replaceTree(allDirs, dirs);
        h.flush();
        assertThat(layout.isNative(layout.fileKey(dirs.get(10) + "/f11"))).isFalse();
        assertBucketHolds(allDirs, files);
        assertReadable(dirs, files);

        h.restart();
        assertReadable(dirs, files);

        // Another node, from the bucket alone.
        h.stopPlane();
        h.start(tmp.resolve("data-second-node"));
        assertReadable(dirs, files);
        assertThat(h.list("/")).doesNotContain(KeyCodec.RESERVED_NAME);
        for (int depth = 1; depth < LEVELS; depth++) {
            List<String> expected = new ArrayList<>(List.of(name(depth + 1, NAME_BYTES)));
            if (contains(FILE_DEPTHS, depth)) {
                expected.add("f" + depth);
            }
            assertThat(h.list("/" + dirs.get(depth - 1))).as("depth %d", depth)
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
        h.flush();
        assertBucketHolds(allDirs, files);
    }

    @Test
    void linksSymlinksTruncationAndRemovalWorkAtLongPathsAndTheirRecordsGoWithThem() throws Exception {
        h.mkdir("/ops");
        List<String> dirs = chain("ops", name(1, 250), 6, 250); // the last two levels' keys exceed 1024 bytes
        for (String dir : dirs) {
            h.mkdir("/" + dir);
        }
        String deep = dirs.getLast();
        String target = "../".repeat(10) + "t".repeat(4000); // a 4,030-byte target
        h.file("/" + deep + "/link").symlink(target, new NfsSetAttributes());
        byte[] data = "one inode, two long names\n".getBytes(StandardCharsets.UTF_8);
        h.writeFile("/" + deep + "/a", data);
        h.file("/" + dirs.get(4) + "/b").link(h.file("/" + deep + "/a"));
        h.writeFile("/" + deep + "/cut", "0123456789".getBytes(StandardCharsets.UTF_8));
        NfsSetAttributes truncate = new NfsSetAttributes();
        truncate.setSize(4L);
        h.file("/" + deep + "/cut").setAttributes(truncate);
        h.flush();

        assertThat(h.file("/" + deep + "/link").readlink().getData()).isEqualTo(target);
        assertThat(h.attrs("/" + deep + "/a").getNlink()).isEqualTo(2);
        assertThat(h.objectBytes(layout.storedKey(deep + "/link"))).asString(StandardCharsets.UTF_8)
                .isEqualTo(target);
        assertThat(h.objectBytes(layout.storedKey(dirs.get(4) + "/b"))).isEqualTo(data);
        assertThat(h.objectBytes(layout.storedKey(deep + "/cut"))).asString(StandardCharsets.UTF_8)
                .isEqualTo("0123");
        String record = layout.recordKey(layout.longFolder(deep));
        assertThat(h.objectBytes(record)).asString(StandardCharsets.UTF_8).isEqualTo(deep);
        assertThat(h.head(record).metadata()).containsEntry(KeyCodec.RECORD_FORMAT_KEY, KeyCodec.RECORD_FORMAT);

        h.stopPlane();
        h.start(tmp.resolve("data-ops-cold"));
        assertThat(h.file("/" + deep + "/link").readlink().getData()).isEqualTo(target);
        assertThat(h.attrs("/" + deep + "/link").getType()).isEqualTo(NfsType.NFS_LNK);
        assertThat(h.readFile("/" + dirs.get(4) + "/b")).isEqualTo(data);
        assertThat(h.readFile("/" + deep + "/cut")).asString(StandardCharsets.UTF_8).isEqualTo("0123");

        // NAME_MAX and PATH_MAX still hold.
        Throwable longName = catchThrowable(() -> h.mkdir("/" + deep + "/" + "x".repeat(256)));
        assertThat(longName).isInstanceOf(NfsException.class);
        assertThat(((NfsException) longName).getStatus()).isEqualTo(NfsStatus.NFS3ERR_NAMETOOLONG);
        List<String> filler = new ArrayList<>();
        String atLimit = "/" + deep;
        while (4095 - atLimit.length() > 201) {
            atLimit = atLimit + "/" + "q".repeat(Math.min(250, 4095 - atLimit.length() - 101));
            filler.add(atLimit);
            h.mkdir(atLimit);
        }
        String full = atLimit + "/" + "p".repeat(4095 - atLimit.length() - 1);
        atLimit = full;
        assertThat(atLimit.length() + 1).as("with its NUL").isEqualTo(4096);
        h.writeFile(atLimit, data);
        assertThat(h.readFile(atLimit)).isEqualTo(data);
        Throwable overLimit = catchThrowable(() -> h.mkdir(full + "q"));
        assertThat(overLimit).isInstanceOf(NfsException.class);
        assertThat(((NfsException) overLimit).getStatus()).isEqualTo(NfsStatus.NFS3ERR_NAMETOOLONG);

        // Removing everything empties the long form, records included.
        h.file(atLimit).remove();
        for (String dir : filler.reversed()) {
            h.file(dir).rmdir();
        }
        for (String name : List.of("link", "a", "cut")) {
            h.file("/" + deep + "/" + name).remove();
        }
        h.file("/" + dirs.get(4) + "/b").remove();
        for (int i = dirs.size() - 1; i >= 0; i--) {
            h.file("/" + dirs.get(i)).rmdir();
        }
        h.file("/ops").rmdir();
        h.flush();
        assertThat(h.keys("ops/")).isEmpty();
        assertThat(h.keys(".regatta/")).as("nothing is left in the long form, records included").isEmpty();
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> renamed(Map<String, String> files, String from, String to) {
        Map<String, String> out = new LinkedHashMap<>();
        files.forEach((path, content) -> out.put(path.startsWith(from + "/") ? to + path.substring(from.length())
                : path, content));
        return out;
    }

    private static List<String> replaceTree(List<String> allDirs, List<String> treeDirs) {
        List<String> out = new ArrayList<>(allDirs.stream().filter(d -> !d.startsWith("tree/")).toList());
        out.addAll(treeDirs);
        return out;
    }

    /**
     * The bucket holds exactly the stored keys of these directories (markers) and files, and the record of every
     * long-form folder in use with its directory's path: nothing of an old location is left, and no key is over
     * 1024 bytes.
     */
    private void assertBucketHolds(List<String> dirs, Map<String, String> files) {
        Set<String> expected = new TreeSet<>();
        Map<String, String> records = new TreeMap<>();
        for (String dir : dirs) {
            expected.add(stored(layout.directoryKey(dir), records));
        }
        for (String file : files.keySet()) {
            expected.add(stored(layout.fileKey(file), records));
        }
        expected.addAll(records.keySet());
        Set<String> actual = new TreeSet<>(h.keys("tree/"));
        actual.addAll(h.keys("wide/"));
        actual.addAll(h.keys(".regatta/"));
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
        for (String key : actual) {
            assertThat(key.getBytes(StandardCharsets.UTF_8).length).as(key).isLessThanOrEqualTo(1024);
        }
        records.forEach((record, path) -> assertThat(h.objectBytes(record)).as(record)
                .asString(StandardCharsets.UTF_8).isEqualTo(path));
        files.forEach((file, content) -> assertThat(h.objectBytes(layout.storedKey(layout.fileKey(file))))
                .as(file).asString(StandardCharsets.UTF_8).isEqualTo(content));
    }

    private String stored(String logical, Map<String, String> records) {
        String stored = layout.storedKey(logical);
        layout.folderOf(stored).ifPresent(f -> records.put(layout.recordKey(f), layout.parentPath(logical)));
        return stored;
    }

    private void assertReadable(List<String> dirs, Map<String, String> files) throws Exception {
        for (Map.Entry<String, String> f : files.entrySet()) {
            assertThat(h.readFile("/" + f.getKey())).as(f.getKey()).asString(StandardCharsets.UTF_8)
                    .isEqualTo(f.getValue());
        }
        assertThat(h.attrs("/" + dirs.getLast()).getType()).isEqualTo(NfsType.NFS_DIR);
    }
}
