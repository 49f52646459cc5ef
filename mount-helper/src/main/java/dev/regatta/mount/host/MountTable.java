package dev.regatta.mount.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The kernel's table of mounts as {@code /proc/self/mountinfo} shows it. */
public final class MountTable {

    /**
     * One mounted file system.
     *
     * @param source what was mounted, e.g. {@code 127.0.0.1:/fs-0123456789abcdef0}
     */
    public record Entry(Path mountPoint, String type, String source) {
    }

    private final Path mountinfo;

    public MountTable(Path mountinfo) {
        this.mountinfo = mountinfo;
    }

    public List<Entry> entries() {
        List<String> lines;
        try {
            lines = Files.readAllLines(mountinfo);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mount table " + mountinfo, e);
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
                continue;
            }
            entries.add(new Entry(Path.of(unescape(fields[4])), unescape(fields[separator + 1]),
                    unescape(fields[separator + 2])));
        }
        return entries;
    }

    /** Whether {@code source} (of the given type) is mounted at {@code directory}, perhaps under or over others. */
    public boolean isMounted(Path directory, String type, String source) {
        return entries().stream().anyMatch(entry -> entry.mountPoint().equals(directory)
                && entry.type().equals(type) && entry.source().equals(source));
    }

    /** The kernel writes space, tab, newline and backslash as three octal digits after a backslash. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String field, int from) {
        if (from + 3 > field.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (field.charAt(i) < '0' || field.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
