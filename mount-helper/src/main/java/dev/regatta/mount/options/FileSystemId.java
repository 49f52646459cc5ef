package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;

import java.util.regex.Pattern;

/** A file system's ID as the control plane makes them: {@code fs-} and 17 lower-case hex digits. */
public record FileSystemId(String value) {

    private static final Pattern FORMAT = Pattern.compile("fs-[0-9a-f]{17}");

    public FileSystemId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw MountFailure.usage("'" + value + "' is not a file system ID: expected fs- and 17 lower-case hex "
                    + "digits, e.g. fs-0123456789abcdef0 (the console and the admin API show it)");
        }
    }

    /** mount(8) hands over the source as written in fstab; a trailing ':' or ':/' (NFS habits) is forgiven. */
    public static FileSystemId fromMountSource(String source) {
        String trimmed = source == null ? null : source.replaceFirst(":/?$", "");
        return new FileSystemId(trimmed);
    }

    @Override
    public String toString() {
        return value;
    }
}
