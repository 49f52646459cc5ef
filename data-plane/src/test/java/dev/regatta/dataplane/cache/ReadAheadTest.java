package dev.regatta.dataplane.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadAheadTest {

    private static final long MIB = 1 << 20;

    @Test
    void theWindowDoublesWhileReadsStaySequentialUpToItsLimit() {
        ReadAhead r = new ReadAhead();
        assertThat(r.next(1, 0, MIB)).as("a read at the start opens a stream").isEqualTo(ReadAhead.MIN_WINDOW);
        long expected = 2 * ReadAhead.MIN_WINDOW;
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
    void aFirstReadInsideAFileFetchesNothingAhead() {
        ReadAhead r = new ReadAhead();
        assertThat(r.next(1, 40 * MIB, 40 * MIB + 4096)).isZero();
    }

    @Test
    void readsArrivingOutOfOrderKeepTheStreamAndItsWindow() {
        ReadAhead r = new ReadAhead();
        r.next(1, 0, MIB);
        // Four READs in flight together, arriving as 3, 1, 4, 2.
        long afterThird = r.next(1, 2 * MIB, 3 * MIB);
        assertThat(afterThird).as("a read a little past the frontier").isEqualTo(2 * ReadAhead.MIN_WINDOW);
        assertThat(r.next(1, MIB, 2 * MIB)).as("a read behind the frontier keeps the window").isEqualTo(afterThird);
        assertThat(r.next(1, 3 * MIB, 4 * MIB)).isEqualTo(2 * afterThird);
        assertThat(r.next(1, 4 * MIB - MIB / 2, 4 * MIB)).as("late and inside what was read").isEqualTo(2 * afterThird);
        assertThat(r.next(1, 4 * MIB, 5 * MIB)).isEqualTo(4 * afterThird);
    }

    @Test
    void aReadFarBehindOrFarAheadOfTheFrontierIsRandom() {
        ReadAhead r = new ReadAhead();
        for (long pos = 0; pos < 4 * MIB; pos += MIB) {
            r.next(1, pos, pos + MIB);
        }
        assertThat(r.next(1, 4 * MIB + ReadAhead.REORDER + 1, 4 * MIB + ReadAhead.REORDER + 4097)).isZero();
        r = new ReadAhead();
        for (long pos = 0; pos < 40 * MIB; pos += MIB) {
            r.next(1, pos, pos + MIB);
        }
        assertThat(r.next(1, 0, 4096)).as("back at the start, past the window and the reorder slack")
                .isEqualTo(ReadAhead.MIN_WINDOW);
        assertThat(r.next(1, 20 * MIB, 20 * MIB + 4096)).isZero();
    }

    @Test
    void streamsOfDifferentFilesAreApart() {
        ReadAhead r = new ReadAhead();
        r.next(1, 0, MIB);
        assertThat(r.next(2, MIB, 2 * MIB)).as("another file's first read").isZero();
        assertThat(r.next(1, MIB, 2 * MIB)).isEqualTo(2 * ReadAhead.MIN_WINDOW);
    }
}
