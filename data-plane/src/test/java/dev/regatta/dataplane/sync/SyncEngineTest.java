package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.s3.AttributeCodec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SyncEngineTest extends RigTest {

    static final long MIB = 1 << 20;


    @BeforeEach
    void setUp() {
        open(Duration.ofHours(1));
    }

    boolean queueEmpty() {
        return rig.store.read(tx -> tx.dirtyQueue().isEmpty() && tx.pendingDeletes(1).isEmpty());
    }

    /** Waits for the engine to drain the queue on its own schedule (no flush). */
    void awaitQuiet(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!queueEmpty()) {
            assertThat(System.nanoTime()).as("sync queue drained in time").isLessThan(until);
            Thread.sleep(50);
        }
        Thread.sleep(100); // a worker may still be recording
    }

    void flush() throws InterruptedException {
        assertThat(rig.sync.flush(Duration.ofSeconds(20))).as("flush drained the queue").isTrue();
    }

    @Test
    void manyWritesToOneFileAreOnePut() throws Exception {
        rig.startSync(Duration.ofMillis(300), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long f = rig.create(root, "many");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String chunk = "line " + i + "\n";
            rig.write(f, expected.length(), chunk);
            expected.append(chunk);
        }
        awaitQuiet(Duration.ofSeconds(10));
        assertThat(rig.requests("put")).isEqualTo(1);
        assertThat(new String(rig.getObject("many"), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(rig.metrics.counter("sync_uploads_total").count()).isEqualTo(1);
    }

    @Test
    void quietPeriodHoldsUploadsUntilTheFlushDeadline() throws Exception {
        rig.startSync(Duration.ofSeconds(1), Duration.ofSeconds(2), 5 * MIB, 5 * MIB);
        long f = rig.create(root, "busy");
        long start = System.nanoTime();
        double putsBeforeDeadline = -1;
        int i = 0;
        while (System.nanoTime() - start < 3_000_000_000L) {
            rig.write(f, i, "x");
            i++;
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            if (elapsedMillis < 1_700) {
                putsBeforeDeadline = rig.requests("put");
                assertThat(putsBeforeDeadline).as("upload at " + elapsedMillis + " ms, before quiet or deadline")
                        .isZero();
            }
            Thread.sleep(300);
        }
        assertThat(putsBeforeDeadline).isZero();
        assertThat(rig.requests("put")).as("the deadline forced an upload while writes kept coming")
                .isGreaterThanOrEqualTo(1);
        awaitQuiet(Duration.ofSeconds(10));
        assertThat(rig.getObject("busy")).hasSize(i);
    }

    @Test
    void largeFileIsMultipartAndAOneByteChangeCopiesUntouchedParts() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        byte[] content = new byte[(int) (12 * MIB)];
        new Random(7).nextBytes(content);
        long f = rig.create(root, "big.bin");
        for (int off = 0; off < content.length; off += (int) MIB) {
            byte[] chunk = java.util.Arrays.copyOfRange(content, off, off + (int) MIB);
            rig.write(f, off, chunk);
        }
        flush();
        assertThat(rig.requests("put")).isZero();
        assertThat(rig.requests("multipart_start")).isEqualTo(1);
        assertThat(rig.requests("upload_part")).isEqualTo(3);
        assertThat(rig.requests("multipart_complete")).isEqualTo(1);
        assertThat(rig.getObject("big.bin")).isEqualTo(content);

        int changed = (int) (11 * MIB + 12345);
        content[changed] ^= (byte) 0xFF;
        rig.write(f, changed, new byte[]{content[changed]});
        flush();
        assertThat(rig.requests("multipart_start")).isEqualTo(2);
        assertThat(rig.requests("upload_part_copy")).as("parts 1 and 2 copied in S3").isEqualTo(2);
        assertThat(rig.requests("upload_part")).as("only the changed part sent again").isEqualTo(4);
        assertThat(rig.getObject("big.bin")).isEqualTo(content);
    }

    @Test
    void renameCopiesToTheNewKeyAndDeletesTheOld() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long f = rig.create(root, "before");
        rig.write(f, 0, "payload");
        flush();
        assertThat(rig.exists("before")).isTrue();
        double puts = rig.requests("put");
        fs.rename(Caller.ROOT, root, "before", root, "after");
        flush();
        assertThat(rig.exists("after")).isTrue();
        assertThat(rig.exists("before")).isFalse();
        assertThat(new String(rig.getObject("after"), StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(rig.requests("put")).as("a rename sends no bytes").isEqualTo(puts);
        assertThat(rig.requests("copy")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void directoryRenameMovesEveryKeyBelow() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long d = rig.mkdir(root, "d");
        long sub = rig.mkdir(d, "sub");
        rig.write(rig.create(d, "f"), 0, "one");
        rig.write(rig.create(sub, "g"), 0, "two");
        flush();
        assertThat(rig.exists("d/f")).isTrue();
        assertThat(rig.exists("d/sub/g")).isTrue();
        fs.rename(Caller.ROOT, root, "d", root, "e");
        flush();
        assertThat(new String(rig.getObject("e/f"), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(new String(rig.getObject("e/sub/g"), StandardCharsets.UTF_8)).isEqualTo("two");
        assertThat(rig.exists("d/f")).isFalse();
        assertThat(rig.exists("d/sub/g")).isFalse();
        assertThat(rig.exists("d/")).isFalse();
        assertThat(rig.exists("d/sub/")).isFalse();
    }

    @Test
    void aDirectoryRenameGivesEveryInodeBelowANewVersion() throws Exception {
        // A sync of an inode below, under way when the rename happens, records keys of the old path; only a new
        // version keeps that inode queued so that the move reaches the bucket (record() compares versions).
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long d = rig.mkdir(root, "d");
        long sub = rig.mkdir(d, "sub");
        long f = rig.create(sub, "f");
        rig.write(f, 0, "one");
        flush();
        long subVersion = rig.store.read(tx -> tx.inode(sub)).version();
        long fileVersion = rig.store.read(tx -> tx.inode(f)).version();
        fs.rename(Caller.ROOT, root, "d", root, "e");
        assertThat(rig.store.read(tx -> tx.inode(sub)).version()).isGreaterThan(subVersion);
        assertThat(rig.store.read(tx -> tx.inode(f)).version()).isGreaterThan(fileVersion);
        flush();
        assertThat(new String(rig.getObject("e/sub/f"), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(rig.exists("d/sub/f")).isFalse();
    }

    @Test
    void chmodOnlyUpdatesMetadataByCopy() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long f = rig.create(root, "perm");
        rig.write(f, 0, "bytes stay");
        flush();
        assertThat(rig.metadata("perm")).containsEntry(AttributeCodec.MODE, Integer.toString(0100644));
        double puts = rig.requests("put");
        double copies = rig.requests("copy");
        fs.setattr(Caller.ROOT, f, new SetAttributes(0600, null, null, null, null, null), null);
        flush();
        assertThat(rig.metadata("perm")).containsEntry(AttributeCodec.MODE, Integer.toString(0100600));
        assertThat(rig.requests("put")).isEqualTo(puts);
        assertThat(rig.requests("copy")).isEqualTo(copies + 1);
        assertThat(new String(rig.getObject("perm"), StandardCharsets.UTF_8)).isEqualTo("bytes stay");
    }

    @Test
    void deletingFiftyFilesTakesFewBatchRequests() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        for (int i = 0; i < 50; i++) {
            rig.write(rig.create(root, "f" + i), 0, "content " + i);
        }
        flush();
        for (int i = 0; i < 50; i++) {
            assertThat(rig.exists("f" + i)).isTrue();
        }
        double batches = rig.requests("delete_batch");
        for (int i = 0; i < 50; i++) {
            fs.remove(Caller.ROOT, root, "f" + i);
        }
        flush();
        // At most one batch per scheduler round (250 ms) that the removals spanned: a loaded machine took over
        // 750 ms for the 50 removals once, and sent 4. One request per key would be 50.
        assertThat(rig.requests("delete_batch") - batches).isBetween(1.0, 10.0);
        assertThat(rig.requests("delete")).isZero();
        for (int i = 0; i < 50; i++) {
            assertThat(rig.exists("f" + i)).as("f" + i).isFalse();
        }
        assertThat(rig.metrics.counter("sync_deleted_keys_total").count()).isEqualTo(50);
    }

    @Test
    void removedThenRecreatedNameEndsWithTheNewContent() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long old = rig.create(root, "x");
        rig.write(old, 0, "old content");
        flush();
        fs.remove(Caller.ROOT, root, "x");
        long fresh = rig.create(root, "x");
        rig.write(fresh, 0, "new");
        flush();
        Thread.sleep(1000); // a late deletion would strike now
        flush();
        assertThat(rig.exists("x")).isTrue();
        assertThat(new String(rig.getObject("x"), StandardCharsets.UTF_8)).isEqualTo("new");
        assertThat(rig.store.read(tx -> tx.pendingDeletes(10)).toArray()).isEmpty();
    }

    @Test
    void removeWaitsForTheDeleteThenRecreateStillWins() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long old = rig.create(root, "y");
        rig.write(old, 0, "old content");
        flush();
        fs.remove(Caller.ROOT, root, "y");
        flush();
        assertThat(rig.exists("y")).isFalse();
        rig.write(rig.create(root, "y"), 0, "again");
        flush();
        assertThat(new String(rig.getObject("y"), StandardCharsets.UTF_8)).isEqualTo("again");
    }

    @Test
    void emptyFileAndDirectoryMarkerAreUploaded() throws Exception {
        rig.startSync(Duration.ofMillis(200), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        rig.create(root, "empty");
        rig.mkdir(root, "dir");
        flush();
        assertThat(rig.getObject("empty")).isEmpty();
        assertThat(rig.exists("dir/")).isTrue();
        assertThat(rig.metadata("dir/")).containsEntry(AttributeCodec.MODE, Integer.toString(040755));
    }
}
