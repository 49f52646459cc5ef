package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InodeTest {

    static Inode full() {
        Inode i = new Inode();
        i.id = 0x1234_5678_9ABCL;
        i.type = FileType.CHAR_DEVICE;
        i.mode = 04755;
        i.uid = -2; // 0xFFFFFFFE as unsigned
        i.gid = 1001;
        i.size = 5L << 40;
        i.atimeNanos = -1_000_000_007L;
        i.mtimeNanos = 1_700_000_000_123_456_789L;
        i.ctimeNanos = 1_700_000_001_000_000_001L;
        i.rdevMajor = 8;
        i.rdevMinor = 17;
        i.links.add(new Inode.Link(1, "first"));
        i.links.add(new Inode.Link(77, "zweiter Näme ✓"));
        i.subdirectories = 3;
        i.nextCookie = 99;
        i.symlinkTarget = "../target/ü";
        i.createVerifier = 0xDEAD_BEEF_CAFE_F00DL;
        i.syncedKeys.add("prefix/first");
        i.syncedKeys.add("prefix/dir/zweiter Näme ✓");
        i.baseEtag = "\"abc-3\"";
        i.baseLength = 12345;
        i.contentDirty = true;
        i.attributesDirty = true;
        i.version = 42;
        i.needsHead = true;
        i.listedAtMillis = 1_700_000_000_000L;
        i.present.add(0, 100);
        i.present.add(200, 300);
        i.dirtyRanges.add(50, 60);
        return i;
    }

    /**
     * {@link #full()} as format 2 lays it out, written field by field here rather than by {@link Inode#encode()}, so
     * that a change of the layout is seen even when encode and decode change together.
     */
    static byte[] fullRecord(long id) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeLong(id);
            out.writeByte(FileType.CHAR_DEVICE.code());
            out.writeInt(04755);
            out.writeInt(-2);
            out.writeInt(1001);
            out.writeLong(5L << 40);
            out.writeLong(-1_000_000_007L);
            out.writeLong(1_700_000_000_123_456_789L);
            out.writeLong(1_700_000_001_000_000_001L);
            out.writeInt(8);
            out.writeInt(17);
            out.writeInt(2);
            out.writeLong(1);
            out.writeUTF("first");
            out.writeLong(77);
            out.writeUTF("zweiter Näme ✓");
            out.writeInt(3);
            out.writeLong(99);
            out.writeBoolean(true);
            out.writeUTF("../target/ü");
            out.writeLong(0xDEAD_BEEF_CAFE_F00DL);
            out.writeInt(2);
            out.writeUTF("prefix/first");
            out.writeUTF("prefix/dir/zweiter Näme ✓");
            out.writeBoolean(true);
            out.writeUTF("\"abc-3\"");
            out.writeLong(12345);
            out.writeBoolean(true);
            out.writeBoolean(true);
            out.writeLong(42);
            out.writeBoolean(true);
            out.writeLong(1_700_000_000_000L);
            out.writeInt(2);
            out.writeLong(0);
            out.writeLong(100);
            out.writeLong(200);
            out.writeLong(300);
            out.writeInt(1);
            out.writeLong(50);
            out.writeLong(60);
            out.writeLong(0);
        }
        return bytes.toByteArray();
    }

    @Test
    void formatTwoLaysOutEveryFieldInItsPlace() throws IOException {
        assertThat(full().encode()).isEqualTo(fullRecord(0x1234_5678_9ABCL));
        assertSame(full(), Inode.decode(fullRecord(0x1234_5678_9ABCL)));
    }

    static void assertSame(Inode a, Inode b) {
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
        assertThat(b.present.ranges()).isEqualTo(a.present.ranges());
        assertThat(b.dirtyRanges.ranges()).isEqualTo(a.dirtyRanges.ranges());
    }

    @Test
    void roundTripWithEveryFieldSet() {
        Inode original = full();
        Inode decoded = Inode.decode(original.encode());
        assertSame(original, decoded);
        assertThat(decoded.links).containsExactly(new Inode.Link(1, "first"), new Inode.Link(77, "zweiter Näme ✓"));
        assertThat(decoded.syncedKeys).containsExactly("prefix/first", "prefix/dir/zweiter Näme ✓");
        assertThat(decoded.present.ranges()).containsExactly(new RangeSet.Range(0, 100), new RangeSet.Range(200, 300));
        assertThat(decoded.encode()).isEqualTo(original.encode());
    }

    @Test
    void roundTripWithNullsAndEmptyCollections() {
        Inode i = new Inode();
        i.id = 9;
        i.type = FileType.REGULAR;
        Inode decoded = Inode.decode(i.encode());
        assertSame(i, decoded);
        assertThat(decoded.symlinkTarget).isNull();
        assertThat(decoded.baseEtag).isNull();
        assertThat(decoded.links).isEmpty();
        assertThat(decoded.syncedKeys).isEmpty();
        assertThat(decoded.present.isEmpty()).isTrue();
        assertThat(decoded.nextCookie).isEqualTo(3);
    }

    @Test
    void everyFileTypeRoundTrips() {
        for (FileType t : FileType.values()) {
            Inode i = new Inode();
            i.type = t;
            assertThat(Inode.decode(i.encode()).type).isEqualTo(t);
        }
    }

    @Test
    void theTypeIsStoredAsItsCodeNotItsEnumPosition() {
        Inode i = full();
        i.type = FileType.SYMLINK;
        byte[] data = i.encode();
        assertThat(data[0]).isEqualTo((byte) Inode.FORMAT);
        assertThat(data[1 + 8]).isEqualTo((byte) FileType.SYMLINK.code());
    }

    @Test
    void aFormatOneRecordIsStillRead() {
        // Format 1 wrote the enum position (REGULAR = 0 ... FIFO = 6); stores written before format 2 must open.
        for (FileType t : FileType.values()) {
            Inode i = full();
            i.type = t;
            byte[] data = i.encode();
            data[0] = (byte) Inode.FORMAT_ENUM_ORDER;
            data[1 + 8] = (byte) (t.code() - 1);
            Inode decoded = Inode.decode(data);
            assertThat(decoded.type).isEqualTo(t);
            assertSame(i, decoded);
        }
    }

    @Test
    void anUnknownFormatIsRefused() {
        byte[] data = full().encode();
        data[0] = 9;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Inode.decode(data))
                .hasMessageContaining("unknown inode format 9");
    }

    @Test
    void copyIsIndependent() {
        Inode original = full();
        Inode copy = original.copy();
        assertSame(original, copy);
        copy.links.add(new Inode.Link(5, "more"));
        copy.syncedKeys.clear();
        copy.present.add(100, 200);
        copy.dirtyRanges.clear();
        copy.mode = 0;
        assertThat(original.links).hasSize(2);
        assertThat(original.syncedKeys).hasSize(2);
        assertThat(original.present.ranges()).hasSize(2);
        assertThat(original.dirtyRanges.ranges()).hasSize(1);
        assertThat(original.mode).isEqualTo(04755);
    }

    @Test
    void nlinkCountsNamesForFilesAndSubdirectoriesForDirectories() {
        Inode file = new Inode();
        file.type = FileType.REGULAR;
        file.links.addAll(List.of(new Inode.Link(1, "a"), new Inode.Link(1, "b")));
        assertThat(file.nlink()).isEqualTo(2);
        Inode dir = new Inode();
        dir.type = FileType.DIRECTORY;
        dir.links.add(new Inode.Link(1, "d"));
        dir.subdirectories = 4;
        assertThat(dir.nlink()).isEqualTo(6);
    }

    @Test
    void isDirtyFollowsEitherFlag() {
        Inode i = new Inode();
        assertThat(i.isDirty()).isFalse();
        i.attributesDirty = true;
        assertThat(i.isDirty()).isTrue();
        i.attributesDirty = false;
        i.contentDirty = true;
        assertThat(i.isDirty()).isTrue();
    }
}
