package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cold reads through the file system against a real S3 endpoint, counting the ranged GETs the bucket is asked for:
 * a sequential reader gets several parts in flight within a growing window, is served as soon as its own bytes
 * land, and no byte is fetched twice or beyond the window; a random reader fetches only what it reads.
 */
class ReadPathPrefetchTest {

    private static final int MIB = 1 << 20;

    private static LocalS3Endpoint endpoint;

    @TempDir
    Path dir;

    private FsTestRig rig;
    private RecordingStore bucket;

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
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false, real -> bucket = new RecordingStore(real));
    }

    @AfterEach
    void close() {
        if (bucket != null) {
            bucket.release();
        }
        rig.close();
    }

    /** Puts an object in the bucket and looks it up; returns its inode. */
    private long object(String name, byte[] content) throws Exception {
        rig.putObject(name, content, Map.of());
        return rig.lookup(rig.fs.rootId(), name);
    }

    private static byte[] randomBytes(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        return b;
    }

    private void readSequentially(long file, byte[] content, long from, long to) throws Exception {
        for (long pos = from; pos < to; pos += MIB) {
            byte[] got = rig.read(file, pos, MIB);
            assertThat(got).as("bytes at %d", pos)
                    .isEqualTo(Arrays.copyOfRange(content, (int) pos, (int) Math.min(content.length, pos + MIB)));
        }
    }

    /** The GETs sorted by offset, checked to be disjoint: no byte was asked for twice. */
    private List<RecordingStore.Get> disjointGets() {
        List<RecordingStore.Get> sorted = new ArrayList<>(bucket.gets());
        sorted.sort(Comparator.comparingLong(RecordingStore.Get::offset));
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i).offset()).as("GET %s overlaps %s", sorted.get(i), sorted.get(i - 1))
                    .isGreaterThanOrEqualTo(sorted.get(i - 1).end());
        }
        return sorted;
    }

    @Test
    void aSequentialReadFetchesEachByteOnceInPartsWithSeveralInFlight() throws Exception {
        byte[] content = randomBytes(80 * MIB);
        long file = object("big.bin", content);
        // Hold every GET from 32 MiB on: the parts the window opens beyond it pile up, all in flight at once.
        bucket.holdFrom(32L * MIB);
        readSequentially(file, content, 0, 32L * MIB);
        bucket.awaitHeld(3);
        bucket.release();
        readSequentially(file, content, 32L * MIB, content.length);
        bucket.awaitQuiet();

        List<RecordingStore.Get> gets = disjointGets();
        assertThat(gets.getFirst().offset()).isZero();
        assertThat(gets.getLast().end()).as("nothing asked for beyond the object's end").isEqualTo(content.length);
        assertThat(gets.stream().mapToLong(RecordingStore.Get::length).sum()).as("every byte fetched once")
                .isEqualTo(content.length);
        assertThat(gets).allSatisfy(g -> assertThat(g.length()).isLessThanOrEqualTo(Prefetcher.PART));
        // 1 MiB, 1, 2 and 8 while the window grows from the first read, then parts of 16 MiB and the object's last
        // 4 MiB: 9 GETs in all, where one per READ would be 80 (and parts of 8 MiB, 13).
        assertThat(gets).extracting(RecordingStore.Get::length).containsExactly((long) MIB, (long) MIB,
                2L * MIB, 8L * MIB, 16L * MIB, 16L * MIB, 16L * MIB, 16L * MIB, 4L * MIB);
        assertThat(rig.requests("get")).as("GETs at the endpoint").isEqualTo(9);
    }

    @Test
    void aReaderIsServedWhenItsBytesLandWithoutWaitingForTheWholePart() throws Exception {
        byte[] content = randomBytes(24 * MIB);
        long file = object("part.bin", content);
        // Reads of [0, 4) MiB open the window far enough for a part of 8 MiB from 4 MiB; it stops after 1 MiB.
        bucket.holdAfterFirstSlice(4L * MIB);
        readSequentially(file, content, 0, 5L * MIB);
        bucket.awaitHeld(1);
        // Had the read of [4, 5) waited for the whole part, it would have given up and fetched its bytes again.
        bucket.release();
        readSequentially(file, content, 5L * MIB, content.length);
        bucket.awaitQuiet();
        assertThat(disjointGets()).contains(new RecordingStore.Get(4L * MIB, 8L * MIB));
    }

    @Test
    void aRandomReaderFetchesOnlyWhatItReads() throws Exception {
        byte[] content = randomBytes(32 * MIB);
        long file = object("random.bin", content);
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            blocks.add(i);
        }
        Collections.shuffle(blocks, new Random(7));
        List<RecordingStore.Get> expected = new ArrayList<>();
        for (int block : blocks.subList(0, 12)) {
            long offset = (long) block * MIB + 4096;
            assertThat(rig.read(file, offset, 4096))
                    .isEqualTo(Arrays.copyOfRange(content, (int) offset, (int) offset + 4096));
            expected.add(new RecordingStore.Get(offset, 4096));
        }
        bucket.awaitQuiet();
        assertThat(bucket.gets()).as("exactly the bytes read, no read-ahead").isEqualTo(expected);
    }

    @Test
    void readAheadStopsWhereTheWindowEnds() throws Exception {
        byte[] content = randomBytes((int) (8L * MIB + ReadAhead.MAX_WINDOW + 2 * Prefetcher.PART));
        long file = object("long.bin", content);
        readSequentially(file, content, 0, 8L * MIB);
        bucket.awaitQuiet();
        List<RecordingStore.Get> gets = disjointGets();
        assertThat(gets.getLast().end()).as("read ahead of the reader")
                .isGreaterThan(16L * MIB)
                .as("nothing fetched beyond the reader's end plus the largest window")
                .isLessThanOrEqualTo(8L * MIB + ReadAhead.MAX_WINDOW);
        assertThat(rig.requests("get")).isEqualTo(gets.size());
    }
}
