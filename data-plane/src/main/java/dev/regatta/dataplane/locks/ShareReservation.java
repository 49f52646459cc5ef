package dev.regatta.dataplane.locks;

import java.util.Objects;

/**
 * A DOS share reservation (NLM SHARE): the access its owner opened the file with and the access it denies to everyone
 * else, each a bit set of {@link #READ} and {@link #WRITE}. Two reservations of different owners conflict when one
 * denies what the other has: {@code (access & other.deny) != 0 || (deny & other.access) != 0}.
 */
public record ShareReservation(LockOwner owner, int access, int deny) {

    public static final int READ = 1;
    public static final int WRITE = 2;

    public ShareReservation {
        Objects.requireNonNull(owner, "owner");
        if ((access & ~3) != 0 || (deny & ~3) != 0) {
            throw new IllegalArgumentException("access and deny are bit sets of READ and WRITE");
        }
    }

    public boolean conflictsWith(ShareReservation other) {
        return !owner.equals(other.owner) && ((access & other.deny) != 0 || (deny & other.access) != 0);
    }
}
