package dev.regatta.dataplane.s3;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps file system paths to object keys and back. Files live at {@code prefix + path}; directories have an
 * optional marker object at {@code prefix + path + "/"} (the root's marker is the prefix itself, and with an
 * empty prefix the root has none).
 *
 * <p>Paths are relative, without a leading '/': {@code "a/b/c"}; {@code ""} is the root.
 */
public final class KeyCodec {

    /** The longest name a segment may have, in UTF-8 bytes (NAME_MAX). */
    public static final int MAX_NAME_BYTES = 255;

    private final String prefix;

    /**
     * @param prefix the key prefix the file system lives under; leading slashes are dropped and a trailing
     *               '/' is added when missing, so {@code "/fs/a"} becomes {@code "fs/a/"}; null or blank is
     *               the whole bucket
     */
    public KeyCodec(String prefix) {
        String p = prefix == null ? "" : prefix.strip();
        int start = 0;
        while (start < p.length() && p.charAt(start) == '/') {
            start++;
        }
        p = p.substring(start);
        if (!p.isEmpty() && !p.endsWith("/")) {
            p = p + "/";
        }
        if (p.indexOf('\0') >= 0 || p.contains("//")) {
            throw new IllegalArgumentException("invalid key prefix: " + prefix);
        }
        this.prefix = p;
    }

    /** The normalized prefix: empty, or ending with '/' and not starting with one. */
    public String prefix() {
        return prefix;
    }

    /**
     * The key of the file at {@code path}.
     *
     * @throws IllegalArgumentException for the root ({@code ""}) or a path starting or ending with '/'
     */
    public String fileKey(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("not a file path: '" + path + "'");
        }
        return prefix + path;
    }

    /**
     * The key of the directory marker of {@code path}: {@code prefix + path + "/"}, or just the prefix for the
     * root. A trailing '/' on {@code path} is tolerated.
     *
     * @throws IllegalArgumentException for a path starting with '/'
     */
    public String directoryKey(String path) {
        if (path.startsWith("/")) {
            throw new IllegalArgumentException("path must be relative: '" + path + "'");
        }
        if (path.isEmpty()) {
            return prefix;
        }
        return path.endsWith("/") ? prefix + path : prefix + path + "/";
    }

    /**
     * The key with the prefix stripped (a directory marker keeps its trailing '/', the root marker gives
     * {@code ""}), or empty if the key is not under the prefix. The result is not validated; use
     * {@link #splitPath(String)} for that.
     */
    public Optional<String> relativePath(String key) {
        if (key == null || !key.startsWith(prefix)) {
            return Optional.empty();
        }
        return Optional.of(key.substring(prefix.length()));
    }

    /** Whether {@code segment} can be a file name: non-empty, not "." or "..", no '/' or NUL, at most 255 UTF-8 bytes. */
    public static boolean isValidName(String segment) {
        if (segment == null || segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
            return false;
        }
        if (segment.indexOf('/') >= 0 || segment.indexOf('\0') >= 0) {
            return false;
        }
        // Cheap bound first: a char is at most 3 UTF-8 bytes (surrogate pairs are 4 bytes for 2 chars).
        if (segment.length() * 3 <= MAX_NAME_BYTES) {
            return true;
        }
        return segment.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES;
    }

    /**
     * Splits a relative path into its names. One trailing '/' is allowed (directory markers); {@code ""} is the
     * root (empty list). Returns empty if any segment is not a {@linkplain #isValidName(String) valid name},
     * e.g. {@code "a//b"}, {@code "../x"}, {@code "a/./b"}, {@code "/a"} or {@code "/"}.
     */
    public static Optional<List<String>> splitPath(String relativePath) {
        if (relativePath == null) {
            return Optional.empty();
        }
        if (relativePath.isEmpty()) {
            return Optional.of(List.of());
        }
        String p = relativePath.endsWith("/") ? relativePath.substring(0, relativePath.length() - 1) : relativePath;
        if (p.isEmpty()) {
            return Optional.empty();
        }
        List<String> segments = new ArrayList<>();
        int start = 0;
        while (true) {
            int slash = p.indexOf('/', start);
            String segment = slash < 0 ? p.substring(start) : p.substring(start, slash);
            if (!isValidName(segment)) {
                return Optional.empty();
            }
            segments.add(segment);
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return Optional.of(List.copyOf(segments));
    }

    @Override
    public String toString() {
        return "KeyCodec[prefix=" + prefix + "]";
    }
}
