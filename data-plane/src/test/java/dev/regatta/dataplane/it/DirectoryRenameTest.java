package dev.regatta.dataplane.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Renaming a directory with 200 (already uploaded) files moves every key to the new prefix. */
class DirectoryRenameTest extends OneHarnessPerClass {

    private static final int FILES = 200;

    static byte[] content(int i) {
        return ("file number " + i + "\n").repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8);
    }

    static String name(int i) {
        return "f" + i + ".txt";
    }

    @Test
    void renameDirectoryWith200Files() throws Exception {
        h.mkdir("/olddir");
        for (int i = 0; i < FILES; i++) {
            h.writeFile("/olddir/" + name(i), content(i));
        }
        h.flush();
        assertThat(h.keys("olddir/")).hasSizeGreaterThanOrEqualTo(FILES);

        h.file("/olddir").rename(h.file("/newdir"));

        List<String> names = IntStream.range(0, FILES).mapToObj(DirectoryRenameTest::name).sorted().toList();
        assertThat(h.list("/newdir")).containsExactlyElementsOf(names);
        assertThat(h.exists("/olddir")).isFalse();
        for (int i = 0; i < FILES; i++) {
            assertThat(h.readFile("/newdir/" + name(i))).as(name(i)).isEqualTo(content(i));
        }

        h.flush();
        assertThat(h.keys("olddir")).as("nothing left under the old prefix").isEmpty();
        List<String> expected = names.stream().map(n -> "newdir/" + n).toList();
        assertThat(h.keys("newdir/")).containsAll(expected)
                .allMatch(k -> k.equals("newdir/") || expected.contains(k));
        for (int i = 0; i < FILES; i++) {
            assertThat(h.objectBytes("newdir/" + name(i))).as(name(i)).isEqualTo(content(i));
        }
    }
}
