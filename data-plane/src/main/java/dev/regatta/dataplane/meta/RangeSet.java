package dev.regatta.dataplane.meta;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of disjoint half-open byte ranges [start, end), merged as they touch. Used for which bytes of a file
 * are in the local cache and which of them were changed since the last upload. Changed only within this package
 * (by {@link Inode}'s operations, which keep an inode's sets and size together); elsewhere it is read-only.
 */
public final class RangeSet {

    /** start → end; no two entries overlap or touch. */
    private TreeMap<Long, Long> ranges = new TreeMap<>();
    /**
     * Whether {@link #ranges} is also another set's: a copy shares the map until either side changes (copy on write),
     * because inodes are copied on every read and a file written at random holds thousands of ranges.
     */
    private boolean shared;

    public record Range(long start, long end) {
        public long length() {
            return end - start;
        }
    }

    void add(long start, long end) {
        if (covers(start, end)) {
            return; // nothing to add, and a shared map stays shared
        }
        own();
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next;
        while ((next = ranges.ceilingEntry(start)) != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
        }
        ranges.put(start, end);
    }

    void remove(long start, long end) {
        if (start >= end) {
            return;
        }
        own();
        Map.Entry<Long, Long> before = ranges.lowerEntry(start);
        if (before != null && before.getValue() > start) {
            ranges.put(before.getKey(), start);
            if (before.getValue() > end) {
                ranges.put(end, before.getValue());
                return;
            }
        }
        Map.Entry<Long, Long> next;
        while ((next = ranges.ceilingEntry(start)) != null && next.getKey() < end) {
            ranges.remove(next.getKey());
            if (next.getValue() > end) {
                ranges.put(end, next.getValue());
            }
        }
    }

    /**
     * Joins the two nearest neighbours (the smallest gap between them) until at most {@code max} ranges are left: the
     * set then holds more than was added, never less. For a set that may over-state (bytes that may have changed),
     * so that its size, and the record that stores it, stay bounded however scattered the additions.
     */
    void coarsen(int max) {
        if (ranges.size() <= Math.max(1, max)) {
            return;
        }
        own();
        while (ranges.size() > Math.max(1, max)) {
            Map.Entry<Long, Long> join = null;
            long smallestGap = Long.MAX_VALUE;
            Map.Entry<Long, Long> previous = null;
            for (Map.Entry<Long, Long> e : ranges.entrySet()) {
                if (previous != null && e.getKey() - previous.getValue() < smallestGap) {
                    smallestGap = e.getKey() - previous.getValue();
                    join = previous;
                }
                previous = e;
            }
            long joinStart = join.getKey();
            Map.Entry<Long, Long> next = ranges.higherEntry(joinStart);
            ranges.remove(next.getKey());
            ranges.put(joinStart, next.getValue());
        }
    }

    /** Removes everything at or after {@code offset}. */
    void truncate(long offset) {
        remove(offset, Long.MAX_VALUE);
    }

    void clear() {
        ranges = new TreeMap<>();
        shared = false;
    }

    /** Makes the map this set's alone before it changes. */
    private void own() {
        if (shared) {
            ranges = new TreeMap<>(ranges);
            shared = false;
        }
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public boolean overlaps(long start, long end) {
        if (start >= end) {
            return false;
        }
        Map.Entry<Long, Long> before = ranges.lowerEntry(end);
        return before != null && before.getValue() > start;
    }

    public boolean covers(long start, long end) {
        if (start >= end) {
            return true;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        return before != null && before.getValue() >= end;
    }

    /** The parts of [start, end) that are not in the set, in order. */
    public List<Range> gaps(long start, long end) {
        List<Range> gaps = new ArrayList<>();
        if (start >= end) {
            return gaps;
        }
        long cursor = start;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() > cursor) {
            cursor = before.getValue();
        }
        for (Map.Entry<Long, Long> e : ranges.subMap(start, true, end, false).entrySet()) {
            if (e.getKey() > cursor) {
                gaps.add(new Range(cursor, e.getKey()));
            }
            cursor = Math.max(cursor, e.getValue());
        }
        if (cursor < end) {
            gaps.add(new Range(cursor, end));
        }
        return gaps;
    }

    /** How many disjoint ranges the set holds. */
    public int size() {
        return ranges.size();
    }

    public long totalLength() {
        long total = 0;
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            total += e.getValue() - e.getKey();
        }
        return total;
    }

    public List<Range> ranges() {
        List<Range> list = new ArrayList<>(ranges.size());
        ranges.forEach((s, e) -> list.add(new Range(s, e)));
        return list;
    }

    /** The set as an inode record stores it: the count, then each range's start and end. */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(ranges.size());
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    /** Adds the ranges {@link #writeTo} stored. */
    void readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            add(in.readLong(), in.readLong());
        }
    }

    /** An equal set; the two share their map until one of them changes. */
    public RangeSet copy() {
        RangeSet c = new RangeSet();
        c.ranges = ranges;
        c.shared = true;
        shared = true;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RangeSet r && r.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
