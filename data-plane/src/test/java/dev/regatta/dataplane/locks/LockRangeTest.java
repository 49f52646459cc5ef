package dev.regatta.dataplane.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LockRangeTest {

    static final long MAX = LockRange.MAX;
    static final long HALF = Long.MIN_VALUE; // 2^63 as an unsigned number

    static LockRange r(long start, long last) {
        return new LockRange(start, last);
    }

    @Test
    void offsetAndLengthAsNlmNamesThem() throws Exception {
        assertThat(LockRange.of(0, 0)).isEqualTo(r(0, MAX));
        assertThat(LockRange.of(0, 0).toEnd()).isTrue();
        assertThat(LockRange.of(0, 0).length()).isZero();
        assertThat(LockRange.of(10, 5)).isEqualTo(r(10, 14));
        assertThat(LockRange.of(10, 5).length()).isEqualTo(5);
        assertThat(LockRange.of(7, 1)).isEqualTo(r(7, 7));
        // The 64-bit edge: offsets are unsigned, the last byte is 2^64 - 1.
        assertThat(LockRange.of(MAX, 1)).isEqualTo(r(MAX, MAX));
        assertThat(LockRange.of(MAX, 0)).isEqualTo(r(MAX, MAX));
        assertThat(LockRange.of(1, MAX)).isEqualTo(r(1, MAX));
        assertThat(LockRange.of(HALF, HALF)).isEqualTo(r(HALF, MAX));
        assertThat(LockRange.of(HALF, HALF).length()).as("a range that reaches the end reads as length 0").isZero();
        assertThat(LockRange.of(HALF - 1, 2)).isEqualTo(r(HALF - 1, HALF));
        assertThatThrownBy(() -> LockRange.of(MAX, 2)).isInstanceOf(LockRange.TooBig.class);
        assertThatThrownBy(() -> LockRange.of(2, MAX)).isInstanceOf(LockRange.TooBig.class);
        assertThatThrownBy(() -> LockRange.of(HALF + 1, HALF)).isInstanceOf(LockRange.TooBig.class);
        assertThatThrownBy(() -> r(5, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r(MAX, 0)).as("unsigned: 2^64-1 is after 0").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overlapAndTouchCompareUnsigned() {
        assertThat(r(0, 9).overlaps(r(9, 20))).isTrue();
        assertThat(r(0, 9).overlaps(r(10, 20))).isFalse();
        assertThat(r(0, 9).touches(r(10, 20))).isTrue();
        assertThat(r(10, 20).touches(r(0, 9))).isTrue();
        assertThat(r(0, 9).touches(r(11, 20))).isFalse();
        // Signed arithmetic would take the upper half for negative numbers, before 0.
        assertThat(r(HALF, MAX).overlaps(r(0, 10))).isFalse();
        assertThat(r(0, 10).overlaps(r(HALF, MAX))).isFalse();
        assertThat(r(0, HALF).overlaps(r(HALF, MAX))).isTrue();
        assertThat(r(0, HALF - 1).touches(r(HALF, MAX))).isTrue();
        // A range to the end touches nothing after it: last + 1 would wrap to 0.
        assertThat(r(10, MAX).touches(r(0, 5))).isFalse();
        assertThat(r(0, 5).touches(r(10, MAX))).isFalse();
        assertThat(r(0, MAX).contains(r(MAX, MAX))).isTrue();
        assertThat(r(1, MAX).contains(r(0, 0))).isFalse();
    }

    @Test
    void minusSplitsAndSpanJoins() {
        assertThat(r(0, 100).minus(r(10, 20))).containsExactly(r(0, 9), r(21, 100));
        assertThat(r(0, 100).minus(r(0, 100))).isEmpty();
        assertThat(r(0, 100).minus(r(0, MAX))).isEmpty();
        assertThat(r(0, 100).minus(r(50, MAX))).containsExactly(r(0, 49));
        assertThat(r(0, 100).minus(r(101, 200))).containsExactly(r(0, 100));
        assertThat(r(0, MAX).minus(r(0, 0))).containsExactly(r(1, MAX));
        assertThat(r(0, MAX).minus(r(MAX, MAX))).containsExactly(r(0, MAX - 1));
        assertThat(r(MAX, MAX).minus(r(0, MAX))).isEmpty();
        assertThat(r(HALF, MAX).minus(r(HALF + 1, MAX - 1))).containsExactly(r(HALF, HALF), r(MAX, MAX));
        assertThat(r(0, 9).span(r(10, 20))).isEqualTo(r(0, 20));
        assertThat(r(0, 100).intersect(r(50, MAX))).isEqualTo(r(50, 100));
        assertThat(r(HALF, MAX).intersect(r(0, HALF))).isEqualTo(r(HALF, HALF));
        assertThat(r(HALF, MAX).span(r(5, HALF))).isEqualTo(r(5, MAX));
        assertThat(List.of(r(HALF, MAX), r(0, 1)).stream().sorted(LockRange::compareStart).toList())
                .containsExactly(r(0, 1), r(HALF, MAX));
    }
}
