package dev.regatta.dataplane.s3;

import dev.regatta.dataplane.model.FileType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and writes POSIX attributes as object user metadata, compatible with s3fs-fuse.
 *
 * <p>Keys written (all values decimal ASCII):
 * <ul>
 *   <li>{@value #MODE}: the full st_mode, type bits included (s3fs: {@code x-amz-meta-mode}), e.g. 33188 for a
 *       0644 regular file;</li>
 *   <li>{@value #UID}, {@value #GID}: owner and group;</li>
 *   <li>{@value #MTIME}: whole seconds since the epoch (what s3fs reads);</li>
 *   <li>{@value #MTIME_NS}: the exact modification time in nanoseconds since the epoch (ours; wins over
 *       {@value #MTIME} when both are present and agree to the second, see {@link #decode});</li>
 *   <li>{@value #RDEV}: only for block and character devices, the device number in Linux's 32-bit
 *       {@code new_encode_dev} layout ({@code (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)}), which is
 *       the st_rdev that s3fs stores through FUSE and equals glibc's {@code makedev} for majors below 4096.</li>
 * </ul>
 *
 * <p>Decoding never throws: keys match case-insensitively (with or without an {@code x-amz-meta-} prefix),
 * missing or garbled values fall back to the defaults given to the constructor, and {@value #MTIME} may also be
 * a fractional number of seconds ("1700000000.5", as rclone and some s3fs versions write it).
 */
public final class AttributeCodec {

    public static final String MODE = "mode";
    public static final String UID = "uid";
    public static final String GID = "gid";
    public static final String MTIME = "mtime";
    public static final String MTIME_NS = "regatta-mtime-ns";
    public static final String RDEV = "rdev";

    private static final String AMZ_META = "x-amz-meta-";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Plain decimal notation only: no exponent, so a hostile value cannot make BigDecimal explode. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)");

    private final int defaultUid;
    private final int defaultGid;
    private final int defaultFileMode;
    private final int defaultDirectoryMode;

    /**
     * @param defaultFileMode      permission bits for objects without (valid) metadata, e.g. 0644
     * @param defaultDirectoryMode permission bits for directories without (valid) metadata, e.g. 0755
     */
    public AttributeCodec(int defaultUid, int defaultGid, int defaultFileMode, int defaultDirectoryMode) {
        this.defaultUid = defaultUid;
        this.defaultGid = defaultGid;
        this.defaultFileMode = defaultFileMode & 07777;
        this.defaultDirectoryMode = defaultDirectoryMode & 07777;
    }

    /** The user metadata (without {@code x-amz-meta-}) describing {@code a}. */
    public Map<String, String> encode(ObjectAttributes a) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MODE, Integer.toString(a.stMode()));
        m.put(UID, Integer.toUnsignedString(a.uid()));
        m.put(GID, Integer.toUnsignedString(a.gid()));
        m.put(MTIME, Long.toString(Math.floorDiv(a.mtimeNanos(), NANOS_PER_SECOND)));
        m.put(MTIME_NS, Long.toString(a.mtimeNanos()));
        if (a.isDevice()) {
            m.put(RDEV, Long.toString(encodeDev(a.rdevMajor(), a.rdevMinor())));
        }
        return m;
    }

    /**
     * The attributes described by an object's user metadata.
     *
     * @param metadata           user metadata as the server returned it (any key case; may be null)
     * @param directoryMarker    whether the object is a directory marker (key ends with '/'): decides the type
     *                           when the metadata names none, and a marker is always a DIRECTORY
     * @param lastModifiedMillis the object's Last-Modified, the mtime when metadata has none
     */
    public ObjectAttributes decode(Map<String, String> metadata, boolean directoryMarker, long lastModifiedMillis) {
        Map<String, String> m = normalize(metadata);

        FileType type = directoryMarker ? FileType.DIRECTORY : FileType.REGULAR;
        int perm = directoryMarker ? defaultDirectoryMode : defaultFileMode;
        Long mode = parseLong(m.get(MODE));
        if (mode != null && mode >= 0 && mode <= 0xFFFF_FFFFL) {
            int st = (int) (long) mode;
            if ((st & 0170000) != 0 && !directoryMarker) {
                type = FileType.fromModeBits(st);
            }
            perm = st & 07777;
        }

        int uid = parseId(m.get(UID), defaultUid);
        int gid = parseId(m.get(GID), defaultGid);

        long fallbackNanos = saturatingMultiply(lastModifiedMillis, 1_000_000L);
        Long secondsNanos = parseSecondsAsNanos(m.get(MTIME));
        Long exactNanos = parseLong(m.get(MTIME_NS));
        long mtime;
        if (exactNanos != null
                && (secondsNanos == null || Math.floorDiv(exactNanos, NANOS_PER_SECOND)
                        == Math.floorDiv(secondsNanos, NANOS_PER_SECOND))) {
            mtime = exactNanos;
        } else if (secondsNanos != null) {
            // Another tool (s3fs, touch through another mount) changed mtime after we wrote the exact value.
            mtime = secondsNanos;
        } else {
            mtime = fallbackNanos;
        }

        int major = 0;
        int minor = 0;
        if (type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE) {
            Long dev = parseLong(m.get(RDEV));
            if (dev != null) {
                major = devMajor(dev);
                minor = devMinor(dev);
            }
        }
        return new ObjectAttributes(type, perm, uid, gid, mtime, major, minor);
    }

    /** Linux {@code new_encode_dev}: the 32-bit dev_t layout the kernel hands to user space. */
    public static long encodeDev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return (mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xffL) << 12) | ((ma & ~0xfffL) << 32);
    }

    /** glibc {@code gnu_dev_major}; accepts both the 32-bit kernel and the 64-bit glibc layouts. */
    public static int devMajor(long dev) {
        return (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
    }

    /** glibc {@code gnu_dev_minor}. */
    public static int devMinor(long dev) {
        return (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL & 0xffff_ffffL));
    }

    private static Map<String, String> normalize(Map<String, String> metadata) {
        Map<String, String> m = new HashMap<>();
        if (metadata == null) {
            return m;
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                continue;
            }
            String k = e.getKey().strip().toLowerCase(Locale.ROOT);
            if (k.startsWith(AMZ_META)) {
                k = k.substring(AMZ_META.length());
            }
            m.putIfAbsent(k, e.getValue().strip());
        }
        return m;
    }

    private static Long parseLong(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A uid/gid: decimal, 0..2^32-1 (s3fs may write large unsigned values); anything else is the default. */
    private static int parseId(String s, int dflt) {
        Long v = parseLong(s);
        if (v == null || v < 0 || v > 0xFFFF_FFFFL) {
            return dflt;
        }
        return (int) (long) v;
    }

    /** Seconds since the epoch, integral or fractional, as nanoseconds; null if unparseable or out of range. */
    static Long parseSecondsAsNanos(String s) {
        if (s == null || s.isEmpty() || s.length() > 40 || !DECIMAL.matcher(s).matches()) {
            return null;
        }
        Long whole = parseLong(s);
        if (whole != null) {
            return Math.abs(whole) < Long.MAX_VALUE / NANOS_PER_SECOND ? whole * NANOS_PER_SECOND : null;
        }
        try {
            BigDecimal seconds = new BigDecimal(s);
            BigDecimal nanos = seconds.movePointRight(9).setScale(0, RoundingMode.FLOOR);
            return nanos.longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static long saturatingMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
}
