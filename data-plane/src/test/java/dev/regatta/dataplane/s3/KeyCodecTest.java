package dev.regatta.dataplane.s3;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyCodecTest {

    @Test
    void prefixIsNormalized() {
        assertThat(new KeyCodec("").prefix()).isEmpty();
        assertThat(new KeyCodec(null).prefix()).isEmpty();
        assertThat(new KeyCodec("/").prefix()).isEmpty();
        assertThat(new KeyCodec("fs").prefix()).isEqualTo("fs/");
        assertThat(new KeyCodec("/fs/a").prefix()).isEqualTo("fs/a/");
        assertThat(new KeyCodec("fs/a/").prefix()).isEqualTo("fs/a/");
        assertThatThrownBy(() -> new KeyCodec("a//b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysWithoutPrefix() {
        KeyCodec c = new KeyCodec("");
        assertThat(c.fileKey("a/b/c")).isEqualTo("a/b/c");
        assertThat(c.directoryKey("a/b")).isEqualTo("a/b/");
        assertThat(c.directoryKey("a/b/")).isEqualTo("a/b/");
        assertThat(c.directoryKey("")).isEmpty();
        assertThat(c.relativePath("a/b/c")).contains("a/b/c");
        assertThat(c.relativePath("a/b/")).contains("a/b/");
    }

    @Test
    void keysWithPrefixRoundTrip() {
        KeyCodec c = new KeyCodec("team/fs");
        assertThat(c.fileKey("a/b.txt")).isEqualTo("team/fs/a/b.txt");
        assertThat(c.directoryKey("a")).isEqualTo("team/fs/a/");
        assertThat(c.directoryKey("")).isEqualTo("team/fs/");
        for (String path : List.of("x", "a/b/c", "ünïcödé/文件")) {
            assertThat(c.relativePath(c.fileKey(path))).contains(path);
            assertThat(c.relativePath(c.directoryKey(path))).contains(path + "/");
            assertThat(KeyCodec.splitPath(c.relativePath(c.directoryKey(path)).orElseThrow()))
                    .contains(List.of(path.split("/")));
        }
        assertThat(c.relativePath("team/fs/")).contains("");
        assertThat(c.relativePath("team/other")).isEmpty();
        assertThat(c.relativePath("team/fs")).isEmpty();
        assertThat(c.relativePath("elsewhere/team/fs/a")).isEmpty();
    }

    @Test
    void fileKeyRejectsRootAndAbsolutePaths() {
        KeyCodec c = new KeyCodec("p");
        assertThatThrownBy(() -> c.fileKey("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.fileKey("/a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.fileKey("a/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.directoryKey("/a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validNames() {
        assertThat(KeyCodec.isValidName("a")).isTrue();
        assertThat(KeyCodec.isValidName("...")).isTrue();
        assertThat(KeyCodec.isValidName(".hidden")).isTrue();
        assertThat(KeyCodec.isValidName("x".repeat(255))).isTrue();
        assertThat(KeyCodec.isValidName("é".repeat(127))).isTrue(); // 254 bytes
        assertThat(KeyCodec.isValidName("")).isFalse();
        assertThat(KeyCodec.isValidName(".")).isFalse();
        assertThat(KeyCodec.isValidName("..")).isFalse();
        assertThat(KeyCodec.isValidName("a/b")).isFalse();
        assertThat(KeyCodec.isValidName("a\0b")).isFalse();
        assertThat(KeyCodec.isValidName("x".repeat(256))).isFalse();
        assertThat(KeyCodec.isValidName("é".repeat(128))).isFalse(); // 256 bytes, 128 chars
        assertThat(KeyCodec.isValidName("😀".repeat(64))).isFalse(); // 256 bytes, 128 chars
        assertThat(KeyCodec.isValidName("😀".repeat(63))).isTrue();
    }

    @Test
    void splitPath() {
        assertThat(KeyCodec.splitPath("")).contains(List.of());
        assertThat(KeyCodec.splitPath("a")).contains(List.of("a"));
        assertThat(KeyCodec.splitPath("a/b/c")).contains(List.of("a", "b", "c"));
        assertThat(KeyCodec.splitPath("a/b/")).contains(List.of("a", "b"));
        for (String bad : List.of("a//b", "..", "../x", "a/./b", "a/../b", ".", "/a", "/", "a//", "a/b//",
                "a/" + "y".repeat(256) + "/c", "a\0b")) {
            assertThat(KeyCodec.splitPath(bad)).as(bad).isEqualTo(Optional.empty());
        }
        assertThat(KeyCodec.splitPath("a/" + "y".repeat(255))).isPresent();
    }

    /** A path of {@code bytes} bytes under the prefix: 100-byte segments, the last one shorter. */
    private static String pathOf(int bytes) {
        StringBuilder b = new StringBuilder();
        while (b.length() < bytes) {
            b.append(b.length() % 101 == 100 && bytes - b.length() > 1 ? '/' : 's');
        }
        return b.toString();
    }

    @Test
    void aKeyOfExactly1024BytesStaysNativeAndOneByteMoreIsStoredLong() {
        KeyCodec c = new KeyCodec("team/fs"); // 8 bytes
        String fits = c.fileKey(pathOf(1024 - 8));
        assertThat(fits.getBytes(StandardCharsets.UTF_8)).hasSize(1024);
        assertThat(c.isNative(fits)).isTrue();
        assertThat(c.storedKey(fits)).isEqualTo(fits);

        String over = c.fileKey(pathOf(1025 - 8));
        assertThat(c.isNative(over)).isFalse();
        String path = c.relativePath(over).orElseThrow();
        String parent = path.substring(0, path.lastIndexOf('/'));
        String name = path.substring(path.lastIndexOf('/') + 1);
        assertThat(c.storedKey(over)).isEqualTo("team/fs/.regatta/long/" + KeyCodec.sha256(parent) + "/" + name);
        assertThat(c.parentPath(over)).isEqualTo(parent);

        // A directory's marker is one byte longer than the file of the same path.
        assertThat(c.isNative(c.directoryKey(pathOf(1023 - 8)))).isTrue();
        assertThat(c.isNative(c.directoryKey(pathOf(1024 - 8)))).isFalse();
        assertThat(c.storedKey(c.directoryKey(pathOf(1024 - 8)))).endsWith("/").startsWith("team/fs/.regatta/long/");
        // Multi-byte characters count as their UTF-8 bytes.
        String multibyte = c.fileKey("é".repeat(508)); // 8 + 1016 = 1024 bytes, 516 chars
        assertThat(c.isNative(multibyte)).isTrue();
        assertThat(c.isNative(multibyte + "é")).isFalse();
    }

    @Test
    void theLongFormIsKeyedByASha256OfTheParentPathThatNeverChanges() {
        KeyCodec c = new KeyCodec("");
        assertThat(c.longFolder(""))
                .isEqualTo(".regatta/long/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/");
        assertThat(c.longFolder("a/b"))
                .isEqualTo(".regatta/long/c14cddc033f64b9dea80ea675cf280a015e672516090a5626781153dc68fea11/");
        assertThat(c.recordKey(c.longFolder("a/b")))
                .isEqualTo(".regatta/long/c14cddc033f64b9dea80ea675cf280a015e672516090a5626781153dc68fea11.dir");
        assertThat(new KeyCodec("p").longFolder("a/b")).isEqualTo("p/" + c.longFolder("a/b"));
        assertThat(c.folderOf(c.longFolder("a/b") + "x")).contains(c.longFolder("a/b"));
        assertThat(c.folderOf(c.longFolder("a/b") + "x/")).contains(c.longFolder("a/b"));
        assertThat(c.folderOf("a/b/x")).isEmpty();
        assertThat(c.folderOf(c.recordKey(c.longFolder("a/b")))).isEmpty();
    }

    @Test
    void theReservedNameAtTheRootIsStoredLongAndElsewhereNative() {
        KeyCodec c = new KeyCodec("fs");
        String root = c.longFolder("");
        assertThat(c.storedKey("fs/.regatta")).isEqualTo(root + ".regatta");
        assertThat(c.storedKey("fs/.regatta/")).isEqualTo(root + ".regatta/");
        assertThat(c.storedKey("fs/.regatta/long/x")).isEqualTo(c.longFolder(".regatta/long") + "x");
        assertThat(c.mayHoldLongEntries(".regatta")).isTrue();
        for (String nativeKey : List.of("fs/.regattax", "fs/a/.regatta", "fs/a/.regatta/long/x", "fs/", "other/x")) {
            assertThat(c.isNative(nativeKey)).as(nativeKey).isTrue();
            assertThat(c.storedKey(nativeKey)).isEqualTo(nativeKey);
        }
    }

    @Test
    void theLongestStoredKeyFitsUnderTheLongestPrefixTheControlPlaneAccepts() {
        KeyCodec c = new KeyCodec("p".repeat(511) + "/");
        String deepDirectory = c.directoryKey(pathOf(4000) + "/" + "n".repeat(255));
        String stored = c.storedKey(deepDirectory);
        assertThat(stored.getBytes(StandardCharsets.UTF_8).length).isEqualTo(512 + 335).isLessThanOrEqualTo(1024);
        assertThat(c.recordKey(c.folderOf(stored).orElseThrow()).length()).isLessThan(1024);
    }

    @Test
    void aDirectoryMayHoldLongEntriesOnceASubdirectoryWithA255ByteNameWouldNotFit() {
        KeyCodec c = new KeyCodec("");
        // marker "<767 bytes>/" + 255-byte name + "/" = 1024 bytes: still native.
        assertThat(c.mayHoldLongEntries(pathOf(767))).isFalse();
        assertThat(c.mayHoldLongEntries(pathOf(768))).isTrue();
        assertThat(c.isNative(c.directoryKey(pathOf(767) + "/" + "n".repeat(255)))).isTrue();
        assertThat(c.isNative(c.directoryKey(pathOf(768) + "/" + "n".repeat(255)))).isFalse();
        assertThat(c.mayHoldLongEntries("")).as("the root's only long entry is the reserved name").isFalse();
    }
}
