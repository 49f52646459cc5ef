package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InodeTest {

    private static final long ID = 0x1234_5678_9ABCL;
    private static final long NOW = 1_700_000_002_000_000_000L;

    /** An inode with every field set (see {@link #fullRecord}). */
    static Inode full(long id) {
        try {
            return Inode.decode(fullRecord(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Inode full() {
        return full(ID);
    }

    /**
     * An inode with every field set, as format 2 lays it out: written field by field here rather than by
     * {@link Inode#encode()}, so that a change of the layout is seen even when encode and decode change together.
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

    static void assertSame(Inode a, Inode b) {
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
        assertThat(b.present().ranges()).isEqualTo(a.present().ranges());
        assertThat(b.dirtyRanges().ranges()).isEqualTo(a.dirtyRanges().ranges());
    }

    /** A regular file of {@code size} bytes written here and synced: clean, all of it cached. */
    static Inode syncedFile(long id, long size) {
        Inode i = Inode.newLocal(id, FileType.REGULAR, 0644, 1000, 1000, NOW);
        i.addLink(Namespace.ROOT_ID, "f" + id);
        i.write(0, size, NOW);
        i.recordSync(i.copy(), List.of("f" + id), "etag" + id, true, 1);
        return i;
    }

    @Test
    void formatTwoLaysOutEveryFieldInItsPlace() throws IOException {
        Inode i = full();
        assertThat(i.encode()).isEqualTo(fullRecord(ID));
        assertThat(i.id()).isEqualTo(ID);
        assertThat(i.type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(i.mode()).isEqualTo(04755);
        assertThat(i.uid()).isEqualTo(-2);
        assertThat(i.gid()).isEqualTo(1001);
        assertThat(i.size()).isEqualTo(5L << 40);
        assertThat(i.atimeNanos()).isEqualTo(-1_000_000_007L);
        assertThat(i.mtimeNanos()).isEqualTo(1_700_000_000_123_456_789L);
        assertThat(i.ctimeNanos()).isEqualTo(1_700_000_001_000_000_001L);
        assertThat(i.rdevMajor()).isEqualTo(8);
        assertThat(i.rdevMinor()).isEqualTo(17);
        assertThat(i.links()).containsExactly(new Inode.Link(1, "first"), new Inode.Link(77, "zweiter Näme ✓"));
        assertThat(i.nlink()).isEqualTo(2);
        assertThat(i.symlinkTarget()).isEqualTo("../target/ü");
        assertThat(i.createVerifier()).isEqualTo(0xDEAD_BEEF_CAFE_F00DL);
        assertThat(i.syncedKeys()).containsExactly("prefix/first", "prefix/dir/zweiter Näme ✓");
        assertThat(i.baseEtag()).isEqualTo("\"abc-3\"");
        assertThat(i.baseLength()).isEqualTo(12345);
        assertThat(i.contentDirty()).isTrue();
        assertThat(i.attributesDirty()).isTrue();
        assertThat(i.version()).isEqualTo(42);
        assertThat(i.needsHead()).isTrue();
        assertThat(i.listedAtMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(i.present().ranges()).containsExactly(new RangeSet.Range(0, 100), new RangeSet.Range(200, 300));
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(50, 60));
        assertThat(i.syncedAtMillis()).isZero();
    }

    @Test
    void roundTripWithEveryFieldSet() {
        Inode original = full();
        Inode decoded = Inode.decode(original.encode());
        assertSame(original, decoded);
        assertThat(decoded.encode()).isEqualTo(original.encode());
    }

    @Test
    void roundTripWithNullsAndEmptyCollections() {
        Inode i = Inode.imported(9, FileType.DIRECTORY, 0, 0, 0, 0);
        Inode decoded = Inode.decode(i.encode());
        assertSame(i, decoded);
        assertThat(decoded.symlinkTarget()).isNull();
        assertThat(decoded.baseEtag()).isNull();
        assertThat(decoded.links()).isEmpty();
        assertThat(decoded.syncedKeys()).isEmpty();
        assertThat(decoded.present().isEmpty()).isTrue();
        assertThat(decoded.entryAdded(false)).as("the first cookie after . and ..").isEqualTo(3);
    }

    @Test
    void everyFileTypeRoundTrips() {
        for (FileType t : FileType.values()) {
            assertThat(Inode.decode(Inode.imported(1, t, 0644, 0, 0, 0).encode()).type()).isEqualTo(t);
        }
    }

    @Test
    void theTypeIsStoredAsItsCodeNotItsEnumPosition() {
        byte[] data = Inode.imported(ID, FileType.SYMLINK, 0777, 0, 0, 0).encode();
        assertThat(data[0]).isEqualTo((byte) Inode.FORMAT);
        assertThat(data[1 + 8]).isEqualTo((byte) FileType.SYMLINK.code());
    }

    @Test
    void aFormatOneRecordIsStillRead() throws IOException {
        // Format 1 wrote the enum position (REGULAR = 0 ... FIFO = 6); stores written before format 2 must open.
        for (FileType t : FileType.values()) {
            byte[] formatTwo = fullRecord(ID);
            formatTwo[1 + 8] = (byte) t.code();
            byte[] formatOne = formatTwo.clone();
            formatOne[0] = (byte) Inode.FORMAT_ENUM_ORDER;
            formatOne[1 + 8] = (byte) (t.code() - 1);
            Inode decoded = Inode.decode(formatOne);
            assertThat(decoded.type()).isEqualTo(t);
            assertSame(Inode.decode(formatTwo), decoded);
        }
    }

    @Test
    void anUnknownFormatIsRefused() {
        byte[] data = full().encode();
        data[0] = 9;
        assertThatThrownBy(() -> Inode.decode(data)).hasMessageContaining("unknown inode format 9");
    }

    @Test
    void copyIsIndependent() {
        Inode original = full();
        Inode copy = original.copy();
        assertSame(original, copy);
        copy.addLink(5, "more");
        copy.forgetKey("prefix/first");
        copy.write(1000, 1010, NOW);
        copy.chmod(0);
        assertThat(original.links()).hasSize(2);
        assertThat(original.syncedKeys()).hasSize(2);
        assertThat(original.present().ranges()).hasSize(2);
        assertThat(original.dirtyRanges().ranges()).hasSize(1);
        assertThat(original.mode()).isEqualTo(04755);
    }

    @Test
    void aCopyEncodesExactlyLikeItsOriginalSoNoFieldIsForgotten() throws IOException {
        assertThat(full().copy().encode()).isEqualTo(fullRecord(ID));
    }

    @Test
    void changingTheOriginalAfterACopyLeavesTheCopyAlone() {
        Inode original = full();
        Inode copy = original.copy();
        original.write(1000, 1010, NOW);
        original.cacheDropped();
        assertThat(copy.present().ranges()).hasSize(2);
        assertThat(copy.dirtyRanges().ranges()).hasSize(1);
        assertThat(original.present().ranges()).isEmpty();
        assertThat(original.dirtyRanges().ranges()).hasSize(2);
    }

    @Test
    void namesAndKeysAreReadOnlyOutsideTheOperations() {
        Inode i = full();
        assertThatThrownBy(() -> i.links().add(new Inode.Link(5, "more")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> i.syncedKeys().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nlinkCountsNamesForFilesAndSubdirectoriesForDirectories() {
        Inode file = Inode.imported(2, FileType.REGULAR, 0644, 0, 0, 0);
        file.addLink(1, "a");
        file.addLink(1, "b");
        assertThat(file.nlink()).isEqualTo(2);
        file.removeLink(1, "a");
        assertThat(file.links()).containsExactly(new Inode.Link(1, "b"));
        Inode dir = Inode.imported(3, FileType.DIRECTORY, 0755, 0, 0, 0);
        dir.addLink(1, "d");
        for (int n = 0; n < 4; n++) {
            dir.entryAdded(true);
        }
        dir.entryAdded(false);
        assertThat(dir.nlink()).isEqualTo(6);
        dir.entryRemoved(true);
        dir.entryRemoved(false);
        assertThat(dir.nlink()).isEqualTo(5);
    }

    @Test
    void entriesTakeCookiesThatAreNeverReused() {
        Inode dir = Inode.imported(3, FileType.DIRECTORY, 0755, 0, 0, 0);
        assertThat(dir.entryAdded(false)).isEqualTo(3);
        dir.entryRemoved(false);
        assertThat(dir.entryAdded(true)).isEqualTo(4);
        assertThat(Inode.decode(dir.encode()).entryAdded(false)).isEqualTo(5);
    }

    @Test
    void onlyADirectoryHasEntries() {
        Inode file = Inode.imported(2, FileType.REGULAR, 0644, 0, 0, 0);
        assertThatThrownBy(() -> file.entryAdded(false)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> file.entryRemoved(false)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> file.adoptMarker("d/", null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isDirtyFollowsEitherFlag() {
        Inode i = Inode.imported(2, FileType.REGULAR, 0644, 0, 0, 0);
        assertThat(i.isDirty()).as("imported: the bucket has it").isFalse();
        i.changed(NOW);
        assertThat(i.attributesDirty()).isTrue();
        assertThat(i.isDirty()).isTrue();
        Inode made = Inode.newLocal(3, FileType.REGULAR, 0644, 0, 0, NOW);
        assertThat(made.contentDirty()).as("made here: not in the bucket yet").isTrue();
        assertThat(made.attributesDirty()).isFalse();
        assertThat(made.isDirty()).isTrue();
    }

    // ------------------------------------------------------------------ the operations' invariants

    @Test
    void aNewInodeKeepsOnlyPermissionBitsAndHasAllThreeTimesNow() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0100644, 1000, 100, NOW);
        assertThat(i.mode()).isEqualTo(0644);
        assertThat(List.of(i.atimeNanos(), i.mtimeNanos(), i.ctimeNanos())).containsOnly(NOW);
        assertThat(i.uid()).isEqualTo(1000);
        assertThat(i.gid()).isEqualTo(100);
        assertThat(i.size()).isZero();
    }

    @Test
    void theRootIsACleanDirectoryOfRoot() {
        Inode root = Inode.newRoot(NOW);
        assertThat(root.id()).isEqualTo(Namespace.ROOT_ID);
        assertThat(root.isDirectory()).isTrue();
        assertThat(root.mode()).isEqualTo(0755);
        assertThat(root.uid()).isZero();
        assertThat(root.gid()).isZero();
        assertThat(root.isDirty()).isFalse();
    }

    @Test
    void chmodKeepsOnlyThePermissionBits() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0644, 0, 0, NOW);
        i.chmod(0177777);
        assertThat(i.mode()).isEqualTo(07777);
        i.chmod(0100600);
        assertThat(i.mode()).isEqualTo(0600);
    }

    @Test
    void chownAndChgrpTellWhetherTheOwnerChanged() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 06755, 1000, 100, NOW);
        assertThat(i.chown(1000)).isFalse();
        assertThat(i.chgrp(100)).isFalse();
        assertThat(i.chown(1001)).isTrue();
        assertThat(i.chgrp(101)).isTrue();
        assertThat(i.uid()).isEqualTo(1001);
        assertThat(i.gid()).isEqualTo(101);
        assertThat(i.mode()).as("dropping set-id bits is the caller's POSIX rule").isEqualTo(06755);
    }

    @Test
    void droppingSetIdBitsKeepsTheOthers() {
        Inode i = Inode.newLocal(7, FileType.DIRECTORY, 07755, 0, 0, NOW);
        i.dropSetIds();
        assertThat(i.mode()).isEqualTo(01755);
    }

    @Test
    void aChangeMovesCtimeAndIsDueForTheBucket() {
        Inode i = Inode.imported(7, FileType.REGULAR, 0644, 0, 0, 5);
        i.changed(NOW);
        assertThat(i.ctimeNanos()).isEqualTo(NOW);
        assertThat(i.mtimeNanos()).isEqualTo(5);
        assertThat(i.attributesDirty()).isTrue();
        assertThat(i.contentDirty()).isFalse();
        Inode dir = Inode.imported(8, FileType.DIRECTORY, 0755, 0, 0, 5);
        dir.modified(NOW);
        assertThat(List.of(dir.mtimeNanos(), dir.ctimeNanos())).containsOnly(NOW);
        assertThat(dir.atimeNanos()).isEqualTo(5);
    }

    @Test
    void aWritePastTheEndExtendsTheSizeAndMarksTheGapAndTheBytes() {
        Inode i = syncedFile(7, 10);
        assertThat(i.isDirty()).isFalse();
        i.write(20, 30, NOW + 1);
        assertThat(i.size()).isEqualTo(30);
        assertThat(i.present().ranges()).containsExactly(new RangeSet.Range(0, 30));
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(10, 30));
        assertThat(List.of(i.mtimeNanos(), i.ctimeNanos())).containsOnly(NOW + 1);
        assertThat(i.contentDirty()).isTrue();
        assertThat(i.baseLength()).as("the object in the bucket is unchanged").isEqualTo(10);
    }

    @Test
    void aWriteInsideTheFileKeepsItsSize() {
        Inode i = syncedFile(7, 100);
        i.write(10, 20, NOW);
        assertThat(i.size()).isEqualTo(100);
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(10, 20));
    }

    @Test
    void aTruncateCutsBothRangeSetsAndTheObjectsPartAndAnExtensionCountsAsWritten() {
        Inode i = Inode.imported(7, FileType.REGULAR, 0644, 0, 0, 0);
        i.adoptObject("f", "e1", 100, 1);
        i.cached(0, 100);
        i.write(40, 60, NOW);
        i.resize(50);
        assertThat(i.size()).isEqualTo(50);
        assertThat(i.baseLength()).as("bytes beyond the cut never come back from the object").isEqualTo(50);
        assertThat(i.present().ranges()).containsExactly(new RangeSet.Range(0, 50));
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(40, 50));
        i.resize(80);
        assertThat(i.size()).isEqualTo(80);
        assertThat(i.baseLength()).isEqualTo(50);
        assertThat(i.present().ranges()).containsExactly(new RangeSet.Range(0, 80));
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(40, 80));
    }

    @Test
    void aResizeToTheSameSizeChangesNothing() {
        Inode i = syncedFile(7, 10);
        i.resize(10);
        assertThat(i.isDirty()).isFalse();
        assertThat(i.dirtyRanges().isEmpty()).isTrue();
    }

    @Test
    void aSymlinksTargetIsItsWrittenData() {
        Inode link = Inode.newLocal(7, FileType.SYMLINK, 0777, 0, 0, NOW);
        link.symlinkTo("zielö");
        assertThat(link.symlinkTarget()).isEqualTo("zielö");
        assertThat(link.size()).as("UTF-8 bytes").isEqualTo(6);
        assertThat(link.present().ranges()).containsExactly(new RangeSet.Range(0, 6));
        assertThat(link.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(0, 6));
        assertThatThrownBy(() -> Inode.newLocal(8, FileType.REGULAR, 0644, 0, 0, NOW).symlinkTo("x"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bytesArrivingAndLeavingTheCacheChangeOnlyWhatIsPresent() {
        Inode i = Inode.imported(7, FileType.REGULAR, 0644, 0, 0, 0);
        i.adoptObject("f", "e1", 100, 1);
        i.cached(0, 40);
        i.cached(60, 100);
        assertThat(i.present().gaps(0, 100)).containsExactly(new RangeSet.Range(40, 60));
        assertThat(i.isDirty()).isFalse();
        i.cacheDropped();
        assertThat(i.present().isEmpty()).isTrue();
        assertThat(i.size()).isEqualTo(100);
    }

    @Test
    void aFinishedSyncCleansAnInodeThatDidNotChangeMeanwhile() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0644, 0, 0, NOW);
        i.write(0, 10, NOW);
        i.changed(NOW);
        Inode snapshot = i.copy();
        assertThat(i.recordSync(snapshot, List.of("a", "b"), "e1", true, 1234)).isTrue();
        assertThat(i.isDirty()).isFalse();
        assertThat(i.dirtyRanges().isEmpty()).isTrue();
        assertThat(i.present().ranges()).as("the bytes stay cached").containsExactly(new RangeSet.Range(0, 10));
        assertThat(i.syncedKeys()).containsExactly("a", "b");
        assertThat(i.baseEtag()).isEqualTo("e1");
        assertThat(i.baseLength()).isEqualTo(10);
        assertThat(i.syncedAtMillis()).isEqualTo(1234);
    }

    @Test
    void aFinishedSyncThatRacedAChangeLeavesTheInodeDirty() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0644, 0, 0, NOW);
        i.write(0, 10, NOW);
        Inode snapshot = i.copy();
        i.write(10, 20, NOW + 1);
        i.nextVersion(); // what the store's putInode does with the change
        assertThat(i.recordSync(snapshot, List.of("a"), "e1", true, 1234)).isFalse();
        assertThat(i.contentDirty()).isTrue();
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(0, 20));
        assertThat(i.syncedKeys()).as("what the bucket has now is still recorded").containsExactly("a");
        assertThat(i.baseEtag()).isEqualTo("e1");
        assertThat(i.baseLength()).as("the length that was uploaded").isEqualTo(10);
        assertThat(i.syncedAtMillis()).isEqualTo(1234);
    }

    @Test
    void aSyncThatOnlyCopiedKeepsTheObjectsLength() {
        Inode i = syncedFile(7, 10);
        i.changed(NOW);
        assertThat(i.recordSync(i.copy(), List.of("renamed"), "e2", false, 5)).isTrue();
        assertThat(i.baseLength()).isEqualTo(10);
        assertThat(i.syncedKeys()).containsExactly("renamed");
    }

    @Test
    void aChangedObjectReplacesWhatACleanInodeHeldOfTheOldOne() {
        Inode i = Inode.imported(7, FileType.SYMLINK, 0777, 0, 0, 0);
        i.adoptObject("l", "e1", 5, 1);
        i.cached(0, 5);
        i.learnSymlinkTarget("old/x");
        i.replaceByObject("l", "e2", 7, 2_000);
        assertThat(i.present().isEmpty()).isTrue();
        assertThat(i.symlinkTarget()).isNull();
        assertThat(i.size()).isEqualTo(7);
        assertThat(i.baseLength()).isEqualTo(7);
        assertThat(i.baseEtag()).isEqualTo("e2");
        assertThat(i.needsHead()).isTrue();
        assertThat(List.of(i.mtimeNanos(), i.ctimeNanos())).containsOnly(2_000_000_000L);
    }

    @Test
    void aListingNeverReplacesUnsyncedChanges() {
        Inode i = syncedFile(7, 10);
        i.write(0, 1, NOW);
        assertThatThrownBy(() -> i.replaceByObject("f7", "e2", 7, 2_000)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHeadNeverTurnsAFileIntoADirectoryNorADirectoryIntoAFileAndCtimeNeverGoesBack() {
        Inode file = Inode.imported(7, FileType.REGULAR, 0644, 0, 0, 5_000);
        file.adoptObject("f", "e1", 10, 5);
        file.headApplied(FileType.DIRECTORY, 0600, 1000, 100, 1_000, 0, 0);
        assertThat(file.type()).isEqualTo(FileType.REGULAR);
        assertThat(file.mode()).isEqualTo(0600);
        assertThat(file.mtimeNanos()).isEqualTo(1_000);
        assertThat(file.ctimeNanos()).isEqualTo(5_000_000);
        assertThat(file.needsHead()).isFalse();
        Inode device = Inode.imported(8, FileType.REGULAR, 0644, 0, 0, 0);
        device.headApplied(FileType.CHAR_DEVICE, 0620, 0, 5, 9, 4, 1);
        assertThat(device.type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(List.of(device.rdevMajor(), device.rdevMinor())).containsExactly(4, 1);
        Inode dir = Inode.imported(9, FileType.DIRECTORY, 0755, 0, 0, 0);
        dir.headApplied(FileType.REGULAR, 0700, 0, 0, 9, 0, 0);
        assertThat(dir.type()).isEqualTo(FileType.DIRECTORY);
    }

    @Test
    void aHeadThatFindsNoMarkerLeavesADirectoryWithoutKeys() {
        Inode dir = Inode.imported(9, FileType.DIRECTORY, 0755, 0, 0, 0);
        dir.adoptMarker("d/", null);
        assertThat(dir.needsHead()).isTrue();
        dir.headMissing();
        assertThat(dir.syncedKeys()).isEmpty();
        assertThat(dir.needsHead()).isFalse();
        Inode file = Inode.imported(7, FileType.REGULAR, 0644, 0, 0, 0);
        file.adoptObject("f", "e1", 10, 5);
        file.headMissing();
        assertThat(file.syncedKeys()).as("a file keeps its key; the listing decides").containsExactly("f");
    }

    @Test
    void aListingIsRecordedAndInvalidated() {
        Inode dir = Inode.imported(9, FileType.DIRECTORY, 0755, 0, 0, 0);
        dir.listed(1234);
        assertThat(dir.listedAtMillis()).isEqualTo(1234);
        dir.invalidateListing();
        assertThat(dir.listedAtMillis()).isZero();
    }

    @Test
    void aFileWrittenAtRandomKeepsABoundedRecordWhoseDirtyRangesCoverEveryWrite() throws IOException {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0644, 0, 0, NOW);
        i.write(0, 256L << 20, NOW);
        Inode synced = i.copy();
        i.recordSync(synced, List.of("rand.bin"), "etag", true, 1);
        int smallRecord = i.encode().length;
        SplittableRandom r = new SplittableRandom(42);
        List<Long> offsets = new ArrayList<>();
        for (int n = 0; n < 2000; n++) {
            long offset = r.nextLong(65536) * 4096;
            offsets.add(offset);
            i.write(offset, offset + 4096, NOW);
        }
        assertThat(i.dirtyRanges().size()).isLessThanOrEqualTo(Inode.MAX_DIRTY_RANGES);
        for (long offset : offsets) {
            assertThat(i.dirtyRanges().covers(offset, offset + 4096)).isTrue();
        }
        assertThat(i.encode().length).isLessThanOrEqualTo(smallRecord + 16 * Inode.MAX_DIRTY_RANGES);
        assertThat(i.present().ranges()).containsExactly(new RangeSet.Range(0, 256L << 20));
    }

    @Test
    void aFileWrittenInFewPlacesKeepsExactDirtyRanges() {
        Inode i = Inode.newLocal(7, FileType.REGULAR, 0644, 0, 0, NOW);
        i.write(0, 100L << 20, NOW);
        i.recordSync(i.copy(), List.of("f"), "etag", true, 1);
        i.write(10L << 20, (10L << 20) + 4096, NOW);
        i.write(90L << 20, (90L << 20) + 4096, NOW);
        assertThat(i.dirtyRanges().ranges()).containsExactly(new RangeSet.Range(10L << 20, (10L << 20) + 4096),
                new RangeSet.Range(90L << 20, (90L << 20) + 4096));
    }
}
