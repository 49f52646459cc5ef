package dev.regatta.dataplane.nfs.v3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.MemoryFileSystem;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FileHandlesTest {

    private static final byte[] FS_KEY = "file system key".getBytes(StandardCharsets.UTF_8);

    private final FileHandles handles = new FileHandles("node key".getBytes(StandardCharsets.UTF_8));
    private final MemoryFileSystem fs = new MemoryFileSystem(false);
    private final ExportTable.Export export = new ExportTable.Export(3, "/fs-a", fs, () -> FS_KEY);
    private final ExportTable exports = new ExportTable();

    FileHandlesTest() {
        exports.add(export);
    }

    @Test
    void roundTrip() throws FsException {
        for (long id : new long[] {0, 1, 42, Long.MAX_VALUE, -1}) {
            byte[] fh = handles.encode(export, id);
            assertThat(fh.length).isLessThanOrEqualTo(FileHandles.MAX_LENGTH).isEqualTo(FileHandles.LENGTH);
            assertThat(handles.decode(fh, exports)).isEqualTo(new FileHandles.Resolved(export, id));
        }
    }

    @Test
    void anotherNodeWithTheFileSystemsKeyMakesAndTakesTheSameHandles() throws FsException {
        // A group member: its own node key, its own export index for the file system, the file system's key.
        FileHandles member = new FileHandles("another node's key".getBytes(StandardCharsets.UTF_8));
        ExportTable.Export there = new ExportTable.Export(0, "/fs-a", fs, () -> FS_KEY.clone());
        ExportTable memberExports = new ExportTable();
        memberExports.add(there);

        byte[] fh = handles.encode(export, 42);
        assertThat(member.encode(there, 42)).isEqualTo(fh);
        assertThat(member.decode(fh, memberExports)).isEqualTo(new FileHandles.Resolved(there, 42));
    }

    @Test
    void everyFlippedBitIsBadOrStale() {
        byte[] fh = handlesOf(12345);
        for (int i = 0; i < fh.length * 8; i++) {
            byte[] forged = fh.clone();
            forged[i / 8] ^= (byte) (1 << (i % 8));
            boolean tagBit = i >= 8 && i < 72;
            assertThatThrownBy(() -> handles.decode(forged, exports)).isInstanceOf(FsException.class)
                    .extracting(e -> ((FsException) e).error())
                    .isEqualTo(tagBit ? FsError.STALE : FsError.BADHANDLE);
        }
    }

    @Test
    void wrongLengthOrKeyIsBadHandle() {
        byte[] fh = handlesOf(7);
        assertBadHandle(Arrays.copyOf(fh, fh.length - 1));
        assertBadHandle(Arrays.copyOf(fh, fh.length + 1));
        assertBadHandle(new byte[0]);
        assertBadHandle(new byte[64]);
        ExportTable.Export otherKey = new ExportTable.Export(3, "/fs-a", fs,
                () -> "another file system key".getBytes(StandardCharsets.UTF_8));
        assertBadHandle(uncheck(() -> handles.encode(otherKey, 7)));
    }

    @Test
    void aHandleOfAnExportNotServedHereIsStale() {
        ExportTable.Export elsewhere = new ExportTable.Export(3, "/fs-b", fs, () -> FS_KEY);
        byte[] fh = uncheck(() -> handles.encode(elsewhere, 7));
        assertThatThrownBy(() -> handles.decode(fh, exports)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.STALE);
    }

    @Test
    void aFileSystemWithoutItsKeyYetAnswersJukeboxNotBadHandle() throws FsException {
        AtomicReference<byte[]> key = new AtomicReference<>();
        ExportTable.Export following = new ExportTable.Export(5, "/fs-c", fs, key::get);
        exports.add(following);
        assertThatThrownBy(() -> handles.encode(following, 1)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.JUKEBOX);

        key.set(FS_KEY);
        byte[] fh = handles.encode(following, 1);
        key.set(null);
        assertThatThrownBy(() -> handles.decode(fh, exports)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.JUKEBOX);
        key.set(FS_KEY);
        assertThat(handles.decode(fh, exports).fileId()).isEqualTo(1);
    }

    @Test
    void handlesNodesMadeBeforeFileSystemsHadKeysStillResolve() throws FsException {
        byte[] old = handles.encodeNodeHandle(3, 99);
        assertThat(old).hasSize(29);
        assertThat(handles.decode(old, exports)).isEqualTo(new FileHandles.Resolved(export, 99));

        byte[] forged = old.clone();
        forged[forged.length - 1] ^= 1;
        assertBadHandle(forged);
        byte[] otherNode = new FileHandles("other".getBytes(StandardCharsets.UTF_8)).encodeNodeHandle(3, 99);
        assertBadHandle(otherNode);
        byte[] gone = handles.encodeNodeHandle(8, 99);
        assertThatThrownBy(() -> handles.decode(gone, exports)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.STALE);
    }

    private byte[] handlesOf(long id) {
        return uncheck(() -> handles.encode(export, id));
    }

    private interface Encoding {
        byte[] run() throws FsException;
    }

    private static byte[] uncheck(Encoding encoding) {
        try {
            return encoding.run();
        } catch (FsException e) {
            throw new AssertionError(e);
        }
    }

    private void assertBadHandle(byte[] fh) {
        assertThatThrownBy(() -> handles.decode(fh, exports)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.BADHANDLE);
    }
}
