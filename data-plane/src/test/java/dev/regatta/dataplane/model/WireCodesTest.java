package dev.regatta.dataplane.model;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The explicit codes of the value types that are stored and sent: pinned, so a reordered enum cannot move them. */
class WireCodesTest {

    @Test
    void fileTypeCodesAreNfsV3Ftype3() {
        Map<FileType, Integer> expected = new LinkedHashMap<>();
        expected.put(FileType.REGULAR, 1);
        expected.put(FileType.DIRECTORY, 2);
        expected.put(FileType.BLOCK_DEVICE, 3);
        expected.put(FileType.CHAR_DEVICE, 4);
        expected.put(FileType.SYMLINK, 5);
        expected.put(FileType.SOCKET, 6);
        expected.put(FileType.FIFO, 7);
        assertThat(FileType.values()).hasSize(expected.size());
        expected.forEach((type, code) -> {
            assertThat(type.code()).as(type.name()).isEqualTo(code);
            assertThat(FileType.ofCode(code)).isEqualTo(type);
        });
    }

    @Test
    void anUnknownFileTypeCodeIsRefusedNotGuessed() {
        assertThatThrownBy(() -> FileType.ofCode(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileType.ofCode(8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void modeBitsNameEachTypeAndUnknownBitsAreARegularFile() {
        for (FileType t : FileType.values()) {
            assertThat(FileType.fromModeBits(t.modeBits() | 0644)).isEqualTo(t);
        }
        assertThat(FileType.fromModeBits(0644)).isEqualTo(FileType.REGULAR);
    }

    @Test
    void stabilityCodesAreStableHow() {
        assertThat(Stability.UNSTABLE.code()).isZero();
        assertThat(Stability.DATA_SYNC.code()).isEqualTo(1);
        assertThat(Stability.FILE_SYNC.code()).isEqualTo(2);
        for (Stability s : Stability.values()) {
            assertThat(Stability.ofCode(s.code())).isEqualTo(s);
        }
        assertThatThrownBy(() -> Stability.ofCode(3)).isInstanceOf(IllegalArgumentException.class);
    }
}
