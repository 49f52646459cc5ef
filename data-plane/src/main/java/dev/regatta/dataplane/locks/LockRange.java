package dev.regatta.dataplane.locks;

import java.util.ArrayList;
import java.util.List;

/**
 * A byte range of a file, as NLM v4 names one: offsets are unsigned 64-bit, so a range is {@code [start, last]} with
 * both ends inclusive and compared unsigned; {@link #MAX} ({@code 2^64 - 1}) is the last byte a range can cover. A
 * range "to the end of the file" (length 0) is {@code [start, MAX]}: it covers every byte the file could ever have
 * from {@code start} on, whatever its size now or later.
 */
public record LockRange(long start, long last) {

    /** The last offset of the 64-bit space, {@code 2^64 - 1} as an unsigned number. */
    public static final long MAX = -1L;

    /** The whole file. */
    public static final LockRange WHOLE_FILE = new LockRange(0, MAX);

    public LockRange {
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("empty range: start " + Long.toUnsignedString(start) + " after last "
                    + Long.toUnsignedString(last));
        }
    }

    /** A range that does not fit the 64-bit offset space: its offset plus its length passes {@code 2^64}. */
    public static final class TooBig extends Exception {
        public TooBig(String message) {
            super(message);
        }
    }

    /**
     * The range of NLM's {@code l_offset} and {@code l_len} (both unsigned): length 0 means to the end of the file.
     *
     * @throws TooBig when {@code offset + length - 1} passes {@code 2^64 - 1}
     */
    public static LockRange of(long offset, long length) throws TooBig {
        if (length == 0) {
            return new LockRange(offset, MAX);
        }
        long last = offset + (length - 1);
        if (Long.compareUnsigned(last, offset) < 0) {
            throw new TooBig("offset " + Long.toUnsignedString(offset) + " + length " + Long.toUnsignedString(length)
                    + " passes 2^64");
        }
        return new LockRange(offset, last);
    }

    /** Whether the range runs to the end of the 64-bit space (NLM length 0). */
    public boolean toEnd() {
        return last == MAX;
    }

    /** NLM's {@code l_len}: 0 for a range to the end, its number of bytes otherwise. */
    public long length() {
        return toEnd() ? 0 : last - start + 1;
    }

    public boolean overlaps(LockRange o) {
        return Long.compareUnsigned(start, o.last) <= 0 && Long.compareUnsigned(o.start, last) <= 0;
    }

    /** Overlapping or adjacent (one ends right before the other starts): the two can be one range. */
    public boolean touches(LockRange o) {
        return overlaps(o) || (last != MAX && last + 1 == o.start) || (o.last != MAX && o.last + 1 == start);
    }

    public boolean contains(LockRange o) {
        return Long.compareUnsigned(start, o.start) <= 0 && Long.compareUnsigned(o.last, last) <= 0;
    }

    /** The smallest range that covers both; meant for ranges that {@link #touches touch}. */
    public LockRange span(LockRange o) {
        long s = Long.compareUnsigned(start, o.start) <= 0 ? start : o.start;
        long l = Long.compareUnsigned(last, o.last) >= 0 ? last : o.last;
        return new LockRange(s, l);
    }

    /** The part both ranges cover; meant for ranges that {@link #overlaps overlap}. */
    public LockRange intersect(LockRange o) {
        long s = Long.compareUnsigned(start, o.start) >= 0 ? start : o.start;
        long l = Long.compareUnsigned(last, o.last) <= 0 ? last : o.last;
        return new LockRange(s, l);
    }

    /** What is left of this range without {@code o}: none, one or two pieces, in order. */
    public List<LockRange> minus(LockRange o) {
        List<LockRange> left = new ArrayList<>(2);
        if (!overlaps(o)) {
            left.add(this);
            return left;
        }
        if (Long.compareUnsigned(start, o.start) < 0) {
            left.add(new LockRange(start, o.start - 1));
        }
        if (Long.compareUnsigned(o.last, last) < 0) {
            left.add(new LockRange(o.last + 1, last));
        }
        return left;
    }

    /** Orders ranges by their start, unsigned. */
    public static int compareStart(LockRange a, LockRange b) {
        int c = Long.compareUnsigned(a.start, b.start);
        return c != 0 ? c : Long.compareUnsigned(a.last, b.last);
    }

    @Override
    public String toString() {
        return "[" + Long.toUnsignedString(start) + ".." + (toEnd() ? "EOF" : Long.toUnsignedString(last)) + "]";
    }
}
