package dev.regatta.dataplane.nfs.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.cache.BufferPool;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.BuffersBuffer;
import org.glassfish.grizzly.memory.ByteBufferArray;
import org.glassfish.grizzly.memory.MemoryManager;
import org.junit.jupiter.api.Test;

/**
 * What replies leave as: the heap parts of a record copied into a pooled direct buffer, its direct parts (a READ's
 * data) written where they are, the same bytes on the wire as before; and what goes back to the pool: the copy and
 * the READ's data, once, only when Grizzly has written the reply.
 */
class DirectRepliesTest {

    static final MemoryManager MM = MemoryManager.DEFAULT_MEMORY_MANAGER;

    final BufferPool pool = new BufferPool(64L << 20);
    final DirectReplies replies = new DirectReplies(pool);

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Buffer heap(byte[] bytes) {
        return Buffers.wrap(MM, bytes);
    }

    /** The bytes from the buffer's position to its limit, leaving it as it was. */
    static byte[] bytesOf(Buffer b) {
        int at = b.position();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        b.position(at);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            all.put(p);
        }
        return all.array();
    }

    /** A loan of the pool holding {@code bytes}, as the read path hands it up. */
    BufferPool.Loan lent(byte[] bytes) {
        BufferPool.Loan loan = pool.lend(bytes.length);
        loan.bytes().put(bytes).flip();
        return loan;
    }

    /**
     * A READ reply shaped as oncrpc4j hands it to Grizzly: the record marker, then the XDR stream's composite of the
     * reply header (with attributes and count), the data in its lent buffer and the padding.
     */
    static Buffer readReply(byte[] marker, byte[] header, BufferPool.Loan data, byte[] padding) {
        BuffersBuffer xdr = BuffersBuffer.create(MM);
        xdr.allowBufferDispose(true);
        xdr.append(heap(header)).append(new LentBuffer(data.bytes().duplicate(), data::release)).append(heap(padding));
        return BuffersBuffer.create(MM, heap(marker), xdr);
    }

    @Test
    void aRecordOfHeapBuffersLeavesAsOneDirectBufferWithTheSameBytes() {
        byte[] marker = random(4, 1);
        byte[] header = random(120, 2);
        byte[] data = random(1024 * 1024, 3);
        BuffersBuffer record = BuffersBuffer.create(MM);
        record.append(heap(marker)).append(heap(header)).append(heap(data));

        Buffer sent = replies.direct(record);

        assertThat(sent.isDirect()).isTrue();
        assertThat(sent.isComposite()).isFalse();
        assertThat(bytesOf(sent)).isEqualTo(concat(marker, header, data));
    }

    @Test
    void aDirectDataPartIsWrittenWhereItIsAndOnlyTheHeapPartsAreCopied() {
        byte[] marker = random(4, 4);
        byte[] header = random(116, 5);
        byte[] data = random(1024 * 1024 - 3, 6);
        byte[] padding = new byte[3];
        BufferPool.Loan loan = lent(data);
        Buffer record = readReply(marker, header, loan, padding);
        byte[] before = bytesOf(record);

        Buffer sent = replies.direct(record);

        assertThat(bytesOf(sent)).as("the bytes on the wire").isEqualTo(before)
                .isEqualTo(concat(marker, header, data, padding));
        ByteBufferArray parts = sent.toByteBufferArray();
        try {
            assertThat(parts.size()).as("the copy of marker and header, the data, the copy of the padding")
                    .isEqualTo(3);
            for (int i = 0; i < parts.size(); i++) {
                assertThat(parts.getArray()[i].isDirect()).as("part %d", i).isTrue();
            }
            assertThat(parts.getArray()[1].remaining()).isEqualTo(data.length);
        } finally {
            parts.restore();
            parts.recycle();
        }
        loan.bytes().put(0, (byte) ~data[0]);
        assertThat(bytesOf(sent)[marker.length + header.length]).as("the data's own memory, not a copy")
                .isEqualTo((byte) ~data[0]);
    }

    @Test
    void theDataGoesBackToItsPoolOnlyOnceTheReplyIsWrittenAndOnlyOnce() {
        BufferPool.Loan loan = lent(random(1024 * 1024, 7));
        Buffer sent = replies.direct(readReply(random(4, 8), random(120, 9), loan, new byte[0]));
        assertThat(pool.pooledBytes()).as("nothing back before a byte is written").isZero();

        while (sent.hasRemaining()) { // written in pieces, as a socket takes them
            sent.position(Math.min(sent.limit(), sent.position() + 200_000));
            assertThat(pool.pooledBytes()).as("nothing back while the reply is being written").isZero();
        }

        sent.release(); // what Grizzly does once the last byte is on the socket
        assertThat(pool.pooledBytes()).as("the data and the copy of the heap parts").isEqualTo((1 << 20) + 4096);
        sent.release();
        sent.tryDispose();
        assertThat(pool.pooledBytes()).as("once").isEqualTo((1 << 20) + 4096);
        assertThat(pool.lend(1 << 20).bytes()).isSameAs(loan.bytes());
    }

    @Test
    void aCopiedReplyGoesBackToThePoolOnceWritten() {
        Buffer sent = replies.direct(heap(random(5000, 10)));
        assertThat(pool.pooledBytes()).isZero();
        sent.release();
        sent.release();
        assertThat(pool.pooledBytes()).isEqualTo(8192);
    }

    @Test
    void onlyARecordWithoutHeapBytesOrWithMoreThanTheLargestBufferPassesUntouched() {
        Buffer direct = Buffers.wrap(MM, ByteBuffer.allocateDirect(100));
        assertThat(replies.direct(direct)).isSameAs(direct);
        BuffersBuffer allDirect = BuffersBuffer.create(MM, Buffers.wrap(MM, ByteBuffer.allocateDirect(4)),
                Buffers.wrap(MM, ByteBuffer.allocateDirect(100)));
        assertThat(replies.direct(allDirect)).isSameAs(allDirect);
        Buffer huge = heap(new byte[BufferPool.LARGEST + 1]);
        assertThat(replies.direct(huge)).isSameAs(huge);

        byte[] body = random(100, 11);
        BuffersBuffer mixed = BuffersBuffer.create(MM, Buffers.wrap(MM, ByteBuffer.allocateDirect(4)), heap(body));
        Buffer sent = replies.direct(mixed);
        assertThat(sent).as("a direct marker before a heap body").isNotSameAs(mixed);
        assertThat(bytesOf(sent)).isEqualTo(concat(new byte[4], body));
    }
}
