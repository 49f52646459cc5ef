package dev.regatta.dataplane.s3;

import org.junit.jupiter.api.Test;

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
}
