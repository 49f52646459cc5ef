package dev.regatta.dataplane.nfs.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.BuffersBuffer;
import org.glassfish.grizzly.memory.MemoryManager;
import org.junit.jupiter.api.Test;

/**
 * The reply buffers' pool: a record oncrpc4j made of heap buffers leaves as one direct buffer with the same bytes,
 * the buffer comes back to the pool once Grizzly releases it, and the pool stays bounded.
 */
class DirectRepliesTest {

    final DirectReplies replies = new DirectReplies();

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Buffer heap(byte[] bytes) {
        return Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, bytes);
    }

    Buffer write(Buffer record) {
        return replies.direct(record);
    }

    @Test
    void aRecordOfHeapBuffersLeavesAsOneDirectBufferWithTheSameBytes() {
        byte[] marker = random(4, 1);
        byte[] header = random(120, 2);
        byte[] data = random(1024 * 1024, 3);
        BuffersBuffer record = BuffersBuffer.create(MemoryManager.DEFAULT_MEMORY_MANAGER);
        record.append(heap(marker)).append(heap(header)).append(heap(data));

        Buffer sent = write(record);

        assertThat(sent.isDirect()).isTrue();
        assertThat(sent.remaining()).isEqualTo(4 + 120 + data.length);
        byte[] out = new byte[sent.remaining()];
        sent.get(out);
        ByteBuffer expected = ByteBuffer.allocate(out.length).put(marker).put(header).put(data);
        assertThat(out).isEqualTo(expected.array());
    }

    @Test
    void aWrittenBufferGoesBackToThePoolOnceAndIsHandedOutAgain() {
        Buffer sent = write(heap(random(5000, 4)));
        ByteBuffer underlying = sent.toByteBuffer();
        assertThat(replies.pooledBytes()).isZero();

        sent.release(); // what Grizzly does when the last byte is on the socket
        sent.release(); // twice must not pool it twice
        assertThat(replies.pooledBytes()).isEqualTo(8192);

        ByteBuffer again = replies.take(6000);
        assertThat(again).isSameAs(underlying);
        assertThat(again.remaining()).isEqualTo(6000);
        assertThat(replies.pooledBytes()).isZero();
        assertThat(replies.take(6000)).isNotSameAs(underlying);
    }

    @Test
    void everySizeGetsABufferAtLeastAsLargeAndNotMuchLarger() {
        for (int size = 1; size <= DirectReplies.LARGEST; size += size < 70_000 ? 1 : 977) {
            int bytes = DirectReplies.classBytes(DirectReplies.sizeClass(size));
            assertThat(bytes).as("class of %d bytes", size).isGreaterThanOrEqualTo(size);
            if (size > 4096) {
                assertThat(bytes).as("class of %d bytes", size)
                        .isLessThan(Math.min(2 * size, size + DirectReplies.SMALL_LIMIT));
            }
            assertThat(DirectReplies.sizeClass(bytes)).isEqualTo(DirectReplies.sizeClass(size));
        }
    }

    @Test
    void onlyARecordWhollyDirectOrLargerThanTheLargestReplyPassesUntouched() {
        Buffer direct = Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, ByteBuffer.allocateDirect(100));
        assertThat(write(direct)).isSameAs(direct);
        BuffersBuffer mixed = BuffersBuffer.create(MemoryManager.DEFAULT_MEMORY_MANAGER);
        mixed.append(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, ByteBuffer.allocateDirect(4)))
                .append(heap(random(100, 5)));
        assertThat(write(mixed).isComposite()).as("a direct marker before a heap body").isFalse();
        Buffer huge = heap(new byte[DirectReplies.LARGEST + 1]);
        assertThat(write(huge)).isSameAs(huge);
    }

    @Test
    void thePoolKeepsNoMoreThanItsLimit() {
        List<Buffer> sent = new ArrayList<>();
        for (int i = 0; i < 2 * DirectReplies.POOLED_BYTES_LIMIT / DirectReplies.LARGEST; i++) {
            sent.add(write(heap(new byte[DirectReplies.LARGEST])));
        }
        sent.forEach(Buffer::release);
        assertThat(replies.pooledBytes()).isEqualTo(DirectReplies.POOLED_BYTES_LIMIT);
    }
}
