package dev.regatta.dataplane.s3;

import dev.regatta.dataplane.model.FileType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AttributeCodecTest {

    private static final long LAST_MODIFIED_MILLIS = 1_650_000_000_123L;
    private final AttributeCodec codec = new AttributeCodec(1000, 100, 0644, 0755);

    @Test
    void encodesS3fsKeys() {
        ObjectAttributes a = ObjectAttributes.of(FileType.REGULAR, 0640, 1001, 1002, 1_700_000_000_987_654_321L);
        Map<String, String> m = codec.encode(a);
        assertThat(m).containsOnlyKeys("mode", "uid", "gid", "mtime", "regatta-mtime-ns");
        assertThat(m.get("mode")).isEqualTo(Integer.toString(0100640)); // 33184
        assertThat(m.get("uid")).isEqualTo("1001");
        assertThat(m.get("gid")).isEqualTo("1002");
        assertThat(m.get("mtime")).isEqualTo("1700000000");
        assertThat(m.get("regatta-mtime-ns")).isEqualTo("1700000000987654321");
    }

    @Test
    void roundTripsEveryType() {
        for (FileType type : FileType.values()) {
            boolean device = type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE;
            ObjectAttributes a = new ObjectAttributes(type, 04755, 0, 65534, -1_500_000_000L,
                    device ? 259 : 0, device ? 65537 : 0);
            ObjectAttributes back = codec.decode(codec.encode(a), type == FileType.DIRECTORY, LAST_MODIFIED_MILLIS);
            assertThat(back).as(type.name()).isEqualTo(a);
        }
    }

    @Test
    void deviceNumbersUseLinuxEncoding() {
        ObjectAttributes sda1 = new ObjectAttributes(FileType.BLOCK_DEVICE, 0660, 0, 6, 0, 8, 1);
        assertThat(codec.encode(sda1)).containsEntry("rdev", "2049");
        ObjectAttributes big = new ObjectAttributes(FileType.CHAR_DEVICE, 0600, 0, 0, 0, 10, 300);
        // (300 & 0xff) | (10 << 8) | ((300 & ~0xff) << 12)
        assertThat(codec.encode(big)).containsEntry("rdev", Long.toString(44 | (10 << 8) | (256L << 12)));
        // /dev/null as s3fs stores it: mode 020666, rdev 259 (1:3)
        ObjectAttributes devNull = codec.decode(Map.of("mode", "8630", "rdev", "259"), false, 0);
        assertThat(devNull.type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(devNull.mode()).isEqualTo(0666);
        assertThat(devNull.rdevMajor()).isEqualTo(1);
        assertThat(devNull.rdevMinor()).isEqualTo(3);
        // rdev ignored on non-devices, and not written for them
        assertThat(codec.decode(Map.of("mode", "33188", "rdev", "259"), false, 0).rdevMajor()).isZero();
        assertThat(codec.encode(ObjectAttributes.of(FileType.FIFO, 0600, 0, 0, 0))).doesNotContainKey("rdev");
    }

    @Test
    void missingMetadataFallsBackToDefaults() {
        ObjectAttributes file = codec.decode(Map.of(), false, LAST_MODIFIED_MILLIS);
        assertThat(file).isEqualTo(new ObjectAttributes(FileType.REGULAR, 0644, 1000, 100,
                LAST_MODIFIED_MILLIS * 1_000_000L, 0, 0));
        ObjectAttributes dir = codec.decode(null, true, LAST_MODIFIED_MILLIS);
        assertThat(dir).isEqualTo(new ObjectAttributes(FileType.DIRECTORY, 0755, 1000, 100,
                LAST_MODIFIED_MILLIS * 1_000_000L, 0, 0));
    }

    @Test
    void garbledMetadataFallsBackToDefaults() {
        Map<String, String> m = new HashMap<>();
        m.put("mode", "rwxr-xr-x");
        m.put("uid", "-5");
        m.put("gid", "99999999999");
        m.put("mtime", "yesterday");
        m.put("regatta-mtime-ns", "1e9");
        m.put("rdev", "x");
        ObjectAttributes a = codec.decode(m, false, LAST_MODIFIED_MILLIS);
        assertThat(a).isEqualTo(new ObjectAttributes(FileType.REGULAR, 0644, 1000, 100,
                LAST_MODIFIED_MILLIS * 1_000_000L, 0, 0));
        // A hostile exponent must not make decoding slow or throw.
        assertThat(codec.decode(Map.of("mtime", "1e999999999"), false, 5).mtimeNanos()).isEqualTo(5_000_000L);
        assertThat(codec.decode(Map.of("mtime", "99999999999999999999999"), false, 5).mtimeNanos())
                .isEqualTo(5_000_000L);
        Map<String, String> nulls = new HashMap<>();
        nulls.put("mode", null);
        nulls.put(null, "1");
        assertThat(codec.decode(nulls, true, 0).type()).isEqualTo(FileType.DIRECTORY);
    }

    @Test
    void decodesS3fsWrittenMetadata() {
        // What s3fs-fuse writes for a 0600 file owned by 1000:1000 and for a directory marker.
        Map<String, String> file = Map.of("Mode", "33152", "Uid", "1000", "Gid", "1000", "Mtime", "1700000000");
        ObjectAttributes f = codec.decode(file, false, LAST_MODIFIED_MILLIS);
        assertThat(f).isEqualTo(new ObjectAttributes(FileType.REGULAR, 0600, 1000, 1000,
                1_700_000_000_000_000_000L, 0, 0));

        Map<String, String> dir = Map.of("x-amz-meta-mode", "16877", "x-amz-meta-uid", "0", "x-amz-meta-gid", "0",
                "x-amz-meta-mtime", "1700000001");
        ObjectAttributes d = codec.decode(dir, true, LAST_MODIFIED_MILLIS);
        assertThat(d.type()).isEqualTo(FileType.DIRECTORY);
        assertThat(d.mode()).isEqualTo(0755);
        assertThat(d.uid()).isZero();
        assertThat(d.mtimeNanos()).isEqualTo(1_700_000_001_000_000_000L);

        // Symlinks: s3fs keeps the target as the object body and S_IFLNK in mode.
        assertThat(codec.decode(Map.of("mode", "41471"), false, 0).type()).isEqualTo(FileType.SYMLINK);
        // Permission-only mode (no type bits): the object decides the type.
        assertThat(codec.decode(Map.of("mode", "493"), true, 0))
                .extracting(ObjectAttributes::type, ObjectAttributes::mode)
                .containsExactly(FileType.DIRECTORY, 0755);
        // uid written as unsigned 32-bit
        assertThat(codec.decode(Map.of("uid", "4294967294"), false, 0).uid()).isEqualTo(-2);
    }

    @Test
    void fractionalMtime() {
        assertThat(codec.decode(Map.of("mtime", "1700000000.5"), false, 0).mtimeNanos())
                .isEqualTo(1_700_000_000_500_000_000L);
        assertThat(codec.decode(Map.of("mtime", "1700000000.123456789123"), false, 0).mtimeNanos())
                .isEqualTo(1_700_000_000_123_456_789L);
    }

    @Test
    void exactMtimeYieldsToNewerSecondsWrittenByAnotherTool() {
        Map<String, String> m = new HashMap<>(codec.encode(
                ObjectAttributes.of(FileType.REGULAR, 0644, 1, 1, 1_700_000_000_250_000_000L)));
        assertThat(codec.decode(m, false, 0).mtimeNanos()).isEqualTo(1_700_000_000_250_000_000L);
        m.put("mtime", "1800000000"); // touched through s3fs, which keeps our extra key
        assertThat(codec.decode(m, false, 0).mtimeNanos()).isEqualTo(1_800_000_000_000_000_000L);
    }

    @Test
    void markerIsAlwaysADirectory() {
        assertThat(codec.decode(Map.of("mode", "33188"), true, 0).type()).isEqualTo(FileType.DIRECTORY);
    }
}
