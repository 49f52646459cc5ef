package dev.regatta.dataplane.s3;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Maps file system paths to object keys and back. Files live at {@code prefix + path}; directories have an
 * optional marker object at {@code prefix + path + "/"} (the root's marker is the prefix itself, and with an
 * empty prefix the root has none). These are the <em>logical</em> keys the rest of the data plane works with.
 *
 * <p>A logical key S3 cannot hold (over {@value #MAX_KEY_BYTES} bytes), or one under the reserved name
 * {@value #RESERVED_NAME} at the root, is <em>stored</em> in the long form instead (see {@link #storedKey}):
 * {@code prefix + ".regatta/long/" + sha256hex(parent path) + "/" + name} (plus "/" for a directory marker), where
 * the parent path is the entry's directory relative to the prefix ({@code ""} for the root). Each such folder has
 * a record {@code prefix + ".regatta/long/" + sha256hex(parent path) + ".dir"} whose body is the parent path in
 * UTF-8, so that the bucket alone says where every entry belongs. The longest stored key is the prefix plus 335
 * bytes, which fits S3's limit for any prefix the control plane accepts (at most 512 bytes).
 *
 * <p>Paths are relative, without a leading '/': {@code "a/b/c"}; {@code ""} is the root.
 */
public final class KeyCodec {

    /** The longest name a segment may have, in UTF-8 bytes (NAME_MAX). */
    public static final int MAX_NAME_BYTES = 255;
    /** The longest key S3 takes, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** The root name under the prefix that the long form lives under; an entry of that name is stored long too. */
    public static final String RESERVED_NAME = ".regatta";
    /** Where folders of the long form live, below the prefix. */
    static final String LONG_ROOT = RESERVED_NAME + "/long/";
    /** The suffix of a folder's record, beside the folder. */
    static final String RECORD_SUFFIX = ".dir";
    /** The user metadata key of a record's format version, and the version this code writes and reads. */
    public static final String RECORD_FORMAT_KEY = "regatta-long-format";
    public static final String RECORD_FORMAT = "1";

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

    /**
     * Whether a logical key is stored as it is: it fits S3's limit, and it is not the reserved root name or below
     * it. Keys outside the prefix are always native.
     */
    public boolean isNative(String key) {
        Optional<String> relative = relativePath(key);
        if (relative.isEmpty()) {
            return true;
        }
        String r = relative.get();
        if (r.equals(RESERVED_NAME) || r.startsWith(RESERVED_NAME + "/")) {
            return false;
        }
        // Cheap bound first, as in isValidName.
        return key.length() * 3 <= MAX_KEY_BYTES || utf8Length(key) <= MAX_KEY_BYTES;
    }

    /**
     * The key an object with logical key {@code key} has in the bucket: the key itself when {@linkplain #isNative
     * native}, otherwise its long form (see the class comment). The root's marker is always native.
     */
    public String storedKey(String key) {
        if (isNative(key)) {
            return key;
        }
        String r = relativePath(key).orElseThrow();
        boolean marker = r.endsWith("/");
        String path = marker ? r.substring(0, r.length() - 1) : r;
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        return longFolder(parent) + name + (marker ? "/" : "");
    }

    /** The folder holding the long-form entries of the directory at {@code directoryPath}; ends with '/'. */
    public String longFolder(String directoryPath) {
        return prefix + LONG_ROOT + sha256(directoryPath) + "/";
    }

    /** The record beside a {@linkplain #longFolder folder}: its body is the directory's path. */
    public String recordKey(String folderKey) {
        return folderKey.substring(0, folderKey.length() - 1) + RECORD_SUFFIX;
    }

    /** The long-form folder a stored key lies in, or empty for a native key. */
    public Optional<String> folderOf(String storedKey) {
        String root = prefix + LONG_ROOT;
        if (!storedKey.startsWith(root)) {
            return Optional.empty();
        }
        int slash = storedKey.indexOf('/', root.length());
        return slash < 0 ? Optional.empty() : Optional.of(storedKey.substring(0, slash + 1));
    }

    /** The directory path of a logical key's parent: {@code "a/b"} for {@code "a/b/c"} and for {@code "a/b/c/"}. */
    public String parentPath(String key) {
        String r = relativePath(key).orElseThrow(() -> new IllegalArgumentException("not under the prefix: " + key));
        String path = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /**
     * Whether the directory at {@code directoryPath} can have entries in the long form besides its native ones:
     * a subdirectory's marker with a 255-byte name would not fit. The root's only such entry is the reserved name,
     * which a listing of the root shows by the reserved prefix itself.
     */
    public boolean mayHoldLongEntries(String directoryPath) {
        if (directoryPath.isEmpty()) {
            return false;
        }
        return utf8Length(directoryKey(directoryPath)) + MAX_NAME_BYTES + 1 > MAX_KEY_BYTES
                || !isNative(directoryKey(directoryPath));
    }

    /** The common prefix under which a listing of the root shows the reserved name (and the long form below it). */
    public String reservedPrefix() {
        return prefix + RESERVED_NAME + "/";
    }

    static String sha256(String path) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(path.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public String toString() {
        return "KeyCodec[prefix=" + prefix + "]";
    }
}
