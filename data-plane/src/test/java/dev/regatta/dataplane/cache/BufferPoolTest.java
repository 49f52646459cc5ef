package dev.regatta.dataplane.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's pool of direct buffers: a loan is a direct buffer of the size asked for, it goes back once however often
 * it is released and is lent again, every size gets a class that fits it closely, and the pool stays bounded.
 */
class BufferPoolTest {

    static final long LIMIT = 64L << 20;
    final BufferPool pool = new BufferPool(LIMIT);

    @Test
    void aLoanIsADirectBufferOfTheSizeAskedFor() {
        BufferPool.Loan loan = pool.lend(5000);
        assertThat(loan.bytes().isDirect()).isTrue();
        assertThat(loan.bytes().position()).isZero();
        assertThat(loan.bytes().remaining()).isEqualTo(5000);
        assertThat(loan.bytes().capacity()).isEqualTo(8192);
    }

    @Test
    void aReleasedBufferGoesBackOnceAndIsLentAgain() {
        BufferPool.Loan loan = pool.lend(5000);
        ByteBuffer underlying = loan.bytes();
        underlying.position(100);
        assertThat(pool.pooledBytes()).isZero();

        loan.release();
        loan.release(); // a second owner cleaning up must not pool it twice
        assertThat(pool.pooledBytes()).isEqualTo(8192);

        BufferPool.Loan again = pool.lend(6000);
        assertThat(again.bytes()).isSameAs(underlying);
        assertThat(again.bytes().position()).isZero();
        assertThat(again.bytes().remaining()).isEqualTo(6000);
        assertThat(pool.pooledBytes()).isZero();
        assertThat(pool.lend(6000).bytes()).isNotSameAs(underlying);
    }

    @Test
    void bytesOfNoPoolAreNeverPooled() {
        BufferPool.Loan loan = BufferPool.Loan.unpooled(ByteBuffer.allocate(10));
        loan.release();
        assertThat(pool.pooledBytes()).isZero();
        BufferPool.Loan huge = pool.lend(BufferPool.LARGEST + 1);
        assertThat(huge.bytes().remaining()).isEqualTo(BufferPool.LARGEST + 1);
        huge.release();
        assertThat(pool.pooledBytes()).isZero();
    }

    @Test
    void everySizeGetsABufferAtLeastAsLargeAndNotMuchLarger() {
        for (int size = 1; size <= BufferPool.LARGEST; size += size < 70_000 ? 1 : 977) {
            int bytes = BufferPool.classBytes(BufferPool.sizeClass(size));
            assertThat(bytes).as("class of %d bytes", size).isGreaterThanOrEqualTo(size);
            if (size > 4096) {
                assertThat(bytes).as("class of %d bytes", size)
                        .isLessThan(Math.min(2 * size, size + BufferPool.SMALL_LIMIT));
            }
            assertThat(BufferPool.sizeClass(bytes)).isEqualTo(BufferPool.sizeClass(size));
        }
        assertThat(BufferPool.classBytes(BufferPool.sizeClass(1 << 20))).as("the largest READ").isEqualTo(1 << 20);
    }

    @Test
    void thePoolKeepsNoMoreThanItsLimit() {
        List<BufferPool.Loan> lent = new ArrayList<>();
        for (int i = 0; i < 2 * LIMIT / BufferPool.LARGEST; i++) {
            lent.add(pool.lend(BufferPool.LARGEST));
        }
        lent.forEach(BufferPool.Loan::release);
        assertThat(pool.pooledBytes()).isEqualTo(LIMIT);
    }
}
