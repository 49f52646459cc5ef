package dev.regatta.dataplane.locks;

import java.util.Objects;

/** A POSIX byte-range lock, held or asked for: shared (read) or exclusive (write), of an owner on a range. */
public record ByteRangeLock(LockOwner owner, LockRange range, boolean exclusive) {

    public ByteRangeLock {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(range, "range");
    }

    /** Locks conflict when their owners differ, their ranges overlap, and at least one is exclusive. */
    public boolean conflictsWith(ByteRangeLock other) {
        return (exclusive || other.exclusive) && range.overlaps(other.range) && !owner.equals(other.owner);
    }

    @Override
    public String toString() {
        return (exclusive ? "exclusive " : "shared ") + range + " of " + owner;
    }
}
