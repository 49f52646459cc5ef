package dev.regatta.dataplane.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads go from the cache file straight into a buffer lent by the pool: the bytes are the file's, warm or cold, at
 * offsets and lengths of no alignment and up to the end of the file, shorter for a file that shrank meanwhile, and
 * a reused buffer carries nothing of its last use into them.
 */
class ReadPathBuffersTest {

    private static final int MIB = 1 << 20;
    /** Pairs of offset and count, as READs ask: aligned, unaligned, across the end of the file. */
    private static final long[][] READS = {
            {0, MIB}, {MIB, MIB}, {1, MIB}, {4095, 10_001}, {3 * MIB - 7, 5}, {2 * MIB + 12_345, MIB}, {7, 1},
    };

    private static LocalS3Endpoint endpoint;

    @TempDir
    Path dir;

    private FsTestRig rig;
    private final BufferPool pool = new BufferPool(64L << 20);
    private ReadPath readPath;

    @BeforeAll
    static void startS3() {
        endpoint = FsTestRig.startEndpoint();
    }

    @AfterAll
    static void stopS3() {
        endpoint.close();
    }

    @BeforeEach
    void open() {
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false);
        readPath = new ReadPath(rig.store, rig.cache, rig.view, rig.importer::invalidate, new SimpleMeterRegistry(),
                pool);
    }

    @AfterEach
    void close() {
        readPath.close();
        rig.close();
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Inode inode(long id) {
        return rig.store.read(tx -> tx.inode(id));
    }

    /** What a READ of {@code count} bytes at {@code offset} gets, checked to come in a direct buffer if any. */
    private byte[] read(Inode file, long offset, long count) throws Exception {
        ReadPath.Bytes bytes = readPath.read(file, offset, Math.min(file.size(), offset + count));
        ByteBuffer data = bytes.data().bytes();
        assertThat(data.isDirect() || !data.hasRemaining()).isTrue();
        byte[] out = new byte[data.remaining()];
        data.get(out);
        bytes.data().release();
        return out;
    }

    private void readsReturnTheFilesBytes(long id, byte[] content) throws Exception {
        for (long[] r : READS) {
            byte[] want = Arrays.copyOfRange(content, (int) r[0], (int) Math.min(content.length, r[0] + r[1]));
            assertThat(read(inode(id), r[0], r[1])).as("%d bytes at %d", r[1], r[0]).isEqualTo(want);
        }
        assertThat(pool.pooledBytes()).as("every buffer back").isPositive();
    }

    @Test
    void warmReadsReturnTheFilesBytesAtAnyOffsetAndLengthUpToItsEnd() throws Exception {
        byte[] content = randomBytes(3 * MIB + 123, 1);
        long id = rig.create(rig.fs.rootId(), "warm.bin");
        rig.write(id, 0, content);
        readsReturnTheFilesBytes(id, content);
    }

    @Test
    void coldReadsReturnTheObjectsBytesAtAnyOffsetAndLengthUpToItsEnd() throws Exception {
        byte[] content = randomBytes(3 * MIB + 123, 2);
        rig.putObject("cold.bin", content, Map.of());
        long id = rig.lookup(rig.fs.rootId(), "cold.bin");
        assertThat(inode(id).present().covers(0, 1)).as("nothing cached yet").isFalse();
        readsReturnTheFilesBytes(id, content);
    }

    @Test
    void aReadOfAFileThatShrankMeanwhileReturnsOnlyWhatIsLeft() throws Exception {
        byte[] content = randomBytes(2 * MIB, 3);
        long id = rig.create(rig.fs.rootId(), "shrinks.bin");
        rig.write(id, 0, content);
        Inode before = inode(id);
        rig.fs.setattr(Caller.ROOT, id, new SetAttributes(null, null, null, 1000L, null, null), null);

        assertThat(read(before, 10, MIB)).isEqualTo(Arrays.copyOfRange(content, 10, 1000));
        assertThat(read(before, MIB, MIB)).as("from past the new end").isEmpty();
    }

    @Test
    void aReusedBufferCarriesNothingOfItsLastUse() throws Exception {
        BufferPool.Loan used = pool.lend(MIB);
        byte[] garbage = new byte[MIB];
        Arrays.fill(garbage, (byte) 0x5a);
        used.bytes().put(garbage);
        used.release();
        byte[] content = randomBytes(100, 4);
        long id = rig.create(rig.fs.rootId(), "grown.bin");
        rig.write(id, 0, content);
        // Grown by SETATTR: the cache file keeps its 100 bytes, the rest of the file reads as zeros.
        rig.fs.setattr(Caller.ROOT, id, new SetAttributes(null, null, null, (long) MIB, null, null), null);

        ReadPath.Bytes bytes = readPath.read(inode(id), 0, MIB);
        assertThat(bytes.data().bytes()).as("the reused buffer").isSameAs(used.bytes());
        byte[] got = new byte[MIB];
        bytes.data().bytes().get(got);
        byte[] want = new byte[MIB];
        System.arraycopy(content, 0, want, 0, content.length);
        assertThat(got).isEqualTo(want);
    }
}
