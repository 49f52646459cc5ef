package dev.regatta.dataplane.it;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** 1000 small files in one directory: listed, read back, and each one an object with the right bytes. */
class ManySmallFilesTest extends OneHarnessPerClass {

    private static final int FILES = 1000;

    static byte[] content(int i) {
        Random r = new Random(i);
        byte[] b = new byte[1024 + r.nextInt(4096)];
        r.nextBytes(b);
        return b;
    }

    static String name(int i) {
        return String.format("file-%04d.dat", i);
    }

    @Test
    void thousandFilesInOneDirectory() throws Exception {
        h.mkdir("/many");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            h.writeFile("/many/" + name(i), content(i));
            names.add(name(i));
        }
        List<String> listed = h.list("/many");
        List<String> missing = names.stream().filter(n -> !listed.contains(n)).toList();
        long foundByLookup = 0;
        for (String n : missing) {
            foundByLookup += h.exists("/many/" + n) ? 1 : 0;
        }
        assertThat(missing).as("names missing from READDIR (%d of them found by LOOKUP)", foundByLookup).isEmpty();
        assertThat(listed).containsExactlyElementsOf(names);
        for (int i = 0; i < FILES; i++) {
            assertThat(h.readFile("/many/" + name(i))).as(name(i)).isEqualTo(content(i));
        }

        h.flush();
        List<String> expectedKeys = names.stream().map(n -> "many/" + n).toList();
        assertThat(h.keys("many/")).containsAll(expectedKeys);
        assertThat(h.keys("many/")).allMatch(k -> k.equals("many/") || expectedKeys.contains(k));
        for (int i = 0; i < FILES; i++) {
            assertThat(h.objectBytes("many/" + name(i))).as(name(i)).isEqualTo(content(i));
        }
    }
}
