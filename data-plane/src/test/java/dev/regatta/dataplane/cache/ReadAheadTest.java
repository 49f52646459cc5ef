package dev.regatta.dataplane.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadAheadTest {

    private static final long MIB = 1 << 20;

    @Test
    void theWindowDoublesWhileReadsStaySequentialUpToItsLimit() {
        ReadAhead r = new ReadAhead();
        assertThat(r.next(1, 0, MIB)).as("a first read may be random").isZero();
        long expected = ReadAhead.MIN_WINDOW;
        for (long pos = MIB; pos < 20 * MIB; pos += MIB) {
            assertThat(r.next(1, pos, pos + MIB)).as("window after the read at %d", pos).isEqualTo(expected);
            expected = Math.min(ReadAhead.MAX_WINDOW, expected * 2);
        }
        assertThat(r.next(1, 20 * MIB, 21 * MIB)).isEqualTo(ReadAhead.MAX_WINDOW);
    }

    @Test
    void aRandomReadCollapsesTheWindowAndTheNextSequentialOneGrowsItAgain() {
        ReadAhead r = new ReadAhead();
        for (long pos = 0; pos < 8 * MIB; pos += MIB) {
            r.next(1, pos, pos + MIB);
        }
        assertThat(r.next(1, 100 * MIB, 100 * MIB + 4096)).isZero();
        assertThat(r.next(1, 100 * MIB + 4096, 100 * MIB + 8192)).isEqualTo(ReadAhead.MIN_WINDOW);
    }

    @Test
    void streamsOfDifferentFilesAreApart() {
        ReadAhead r = new ReadAhead();
        r.next(1, 0, MIB);
        assertThat(r.next(2, MIB, 2 * MIB)).as("another file's first read").isZero();
        assertThat(r.next(1, MIB, 2 * MIB)).isEqualTo(ReadAhead.MIN_WINDOW);
    }
}
