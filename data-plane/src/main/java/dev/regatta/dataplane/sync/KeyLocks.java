package dev.regatta.dataplane.sync;

import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks over object keys, so that an upload to a key and a deletion of the same key never interleave:
 * whoever checks "is this key still wanted?" holds the key until its own request is done and recorded.
 * Stripes are always taken in ascending order, so holders of several never deadlock.
 */
final class KeyLocks {

    private final ReentrantLock[] stripes = new ReentrantLock[1024];

    KeyLocks() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Locks the stripes of all keys; close the result to unlock. */
    Held lock(Collection<String> keys) {
        TreeSet<Integer> indexes = new TreeSet<>();
        for (String k : keys) {
            indexes.add(Math.floorMod(k.hashCode(), stripes.length));
        }
        for (int i : indexes) {
            stripes[i].lock();
        }
        return () -> indexes.descendingSet().forEach(i -> stripes[i].unlock());
    }

    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
