package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.meta.JournalRecord;
import dev.regatta.dataplane.meta.ReadTransaction;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Small writes made durable through the metadata log: what COMMIT and stable WRITEs journal, what survives a crash
 * that loses the cache file's unsynced bytes, and when records are retired. A crash is played by closing the file
 * system without a checkpoint and overwriting the cache file with what a lost page cache would leave (zeros).
 */
class DataJournalTest extends RigTest {

    private static final byte[] FOUR_KIB = pattern(4096, 'a');

    @BeforeEach
    void setUp() {
        open(Duration.ofHours(1));
    }

    private List<JournalRecord> journal() {
        return rig.store.read(ReadTransaction::journal);
    }

    /** Closes and reopens the file system over the same directory, the cache file's unsynced bytes lost. */
    private void crashLosingUnsyncedBytes(long fileId) throws Exception {
        rig.close();
        Path cacheFile = dir.resolve("cache").resolve(Long.toHexString(fileId & 0xff)).resolve(Long.toString(fileId));
        Files.write(cacheFile, new byte[(int) Files.size(cacheFile)]);
        open(Duration.ofHours(1));
    }

    private byte[] readAll(long fileId, int length) throws Exception {
        ByteBuffer data = fs.read(Caller.ROOT, fileId, 0, length).data();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    @Test
    void aSmallCommitJournalsTheBytesAndTheyComeBackAfterACrash() throws Exception {
        long f = rig.create(root, "small");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        assertThat(journal()).singleElement().satisfies(r -> {
            assertThat(r.fileId()).isEqualTo(f);
            assertThat(r.pieces()).singleElement().satisfies(p -> assertThat(p.bytes()).isEqualTo(FOUR_KIB));
        });

        crashLosingUnsyncedBytes(f);

        assertThat(readAll(f, 4096)).isEqualTo(FOUR_KIB);
        assertThat(journal()).as("replayed, synced and retired").isEmpty();
    }

    @Test
    void aStableWriteJournalsItsOwnBytes() throws Exception {
        long f = rig.create(root, "stable");
        fs.write(Caller.ROOT, f, 100, ByteBuffer.wrap(utf8("durable now")), Stability.FILE_SYNC);
        assertThat(journal()).singleElement().satisfies(r ->
                assertThat(r.pieces()).singleElement().satisfies(p -> assertThat(p.offset()).isEqualTo(100)));

        crashLosingUnsyncedBytes(f);

        assertThat(Arrays.copyOfRange(readAll(f, 111), 100, 111)).isEqualTo(utf8("durable now"));
    }

    @Test
    void laterCommitsOfOneFileReplayInTheirOrder() throws Exception {
        long f = rig.create(root, "twice");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        byte[] second = pattern(4096, 'b');
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(second), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        assertThat(journal()).hasSize(2);

        crashLosingUnsyncedBytes(f);

        assertThat(readAll(f, 4096)).isEqualTo(second);
    }

    @Test
    void aCheckpointSyncsTheFilesAndRetiresTheirRecords() throws Exception {
        long f = rig.create(root, "checked");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        assertThat(journal()).hasSize(1);
        fs.checkpointJournal();
        assertThat(journal()).isEmpty();
        fs.checkpointJournal(); // nothing left to do
        assertThat(readAll(f, 4096)).isEqualTo(FOUR_KIB);
    }

    @Test
    void manyUnsyncedBytesAreSyncedInTheirFileNotJournaled() throws Exception {
        long f = rig.create(root, "large");
        byte[] large = pattern(1 << 20, 'c');
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(large), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        assertThat(journal()).isEmpty();
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(large), Stability.FILE_SYNC);
        assertThat(journal()).isEmpty();
    }

    @Test
    void aCommitWithNothingWrittenSinceJournalsNothing() throws Exception {
        long f = rig.create(root, "idle");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        fs.commit(f, 0, 0);
        assertThat(journal()).hasSize(1);
    }

    @Test
    void aTruncateRetiresTheRecordsSoCutBytesNeverComeBack() throws Exception {
        long f = rig.create(root, "cut");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, 0L, null, null), null);
        fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, 4096L, null, null), null);
        assertThat(journal()).isEmpty();

        crashLosingUnsyncedBytes(f);

        assertThat(readAll(f, 4096)).as("the grown part reads as zeros").isEqualTo(new byte[4096]);
    }

    @Test
    void removingAFileTakesItsRecordsWithIt() throws Exception {
        long f = rig.create(root, "gone");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        fs.commit(f, 0, 0);
        fs.remove(Caller.ROOT, root, "gone");
        assertThat(journal()).isEmpty();
        fs.checkpointJournal();
        Path cacheFile = rig.cache.file(f);
        assertThat(cacheFile).as("the checkpoint does not bring a removed file's cache file back").doesNotExist();
    }

    private static byte[] pattern(int length, char first) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (first + i % 26);
        }
        return bytes;
    }

    @Test
    void unstableWritesOfOneFileInFlightTogetherAreAllJournaledByTheirCommit() throws Exception {
        long f = rig.create(root, "together");
        int blocks = 64; // 256 KiB: the most a commit journals
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                int block = b;
                writes.add(pool.submit(() -> fs.write(Caller.ROOT, f, block * 4096L,
                        ByteBuffer.wrap(pattern(4096, (char) ('A' + block % 26))), Stability.UNSTABLE)));
            }
            for (Future<?> w : writes) {
                w.get();
            }
        }
        fs.commit(f, 0, 0);

        crashLosingUnsyncedBytes(f);

        byte[] all = readAll(f, blocks * 4096);
        for (int b = 0; b < blocks; b++) {
            assertThat(Arrays.copyOfRange(all, b * 4096, (b + 1) * 4096)).as("block " + b)
                    .isEqualTo(pattern(4096, (char) ('A' + b % 26)));
        }
    }

    @Test
    void anUnstableWriteGoesOnBesideAReaderWhileAStableWriteAndACommitWaitForIt() throws Exception {
        long f = rig.create(root, "shared");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(FOUR_KIB), Stability.UNSTABLE);
        Lock reading = rig.cache.lockFor(f).readLock(); // what a READ of the file holds
        reading.lock();
        CompletableFuture<Void> stable;
        CompletableFuture<Void> commit;
        try {
            CompletableFuture.runAsync(() -> write(f, Stability.UNSTABLE)).get(30, TimeUnit.SECONDS);
            stable = CompletableFuture.runAsync(() -> write(f, Stability.FILE_SYNC));
            commit = CompletableFuture.runAsync(() -> {
                try {
                    fs.commit(f, 0, 0);
                } catch (FsException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(stable).as("a stable write waits for the reader").isNotDone();
            assertThat(commit).as("a commit waits for the reader").isNotDone();
        } finally {
            reading.unlock();
        }
        stable.get(30, TimeUnit.SECONDS);
        commit.get(30, TimeUnit.SECONDS);
    }

    private void write(long f, Stability stability) {
        try {
            fs.write(Caller.ROOT, f, 4096, ByteBuffer.wrap(FOUR_KIB), stability);
        } catch (FsException e) {
            throw new IllegalStateException(e);
        }
    }
}
