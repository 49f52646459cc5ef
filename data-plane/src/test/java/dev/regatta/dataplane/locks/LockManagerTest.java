package dev.regatta.dataplane.locks;

import static dev.regatta.dataplane.locks.LockManager.Outcome.BLOCKED;
import static dev.regatta.dataplane.locks.LockManager.Outcome.DEADLOCK;
import static dev.regatta.dataplane.locks.LockManager.Outcome.DENIED;
import static dev.regatta.dataplane.locks.LockManager.Outcome.GRANTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LockManagerTest {

    static final long MAX = LockRange.MAX;
    static final FileKey F = new FileKey(0, 42);
    static final FileKey G = new FileKey(0, 43);

    final LockManager m = new LockManager();
    final List<LockManager.Grant> grants = new CopyOnWriteArrayList<>();

    LockManagerTest() {
        m.onGrant(grants::add);
    }

    static LockOwner owner(String client, String host, int svid) {
        return new LockOwner(client, host, svid, (svid + "@" + host).getBytes(StandardCharsets.UTF_8));
    }

    static final LockOwner A = owner("10.0.0.1", "alpha", 100);
    static final LockOwner B = owner("10.0.0.2", "beta", 100);
    static final LockOwner C = owner("10.0.0.3", "gamma", 7);

    static ByteRangeLock shared(LockOwner o, long start, long last) {
        return new ByteRangeLock(o, new LockRange(start, last), false);
    }

    static ByteRangeLock excl(LockOwner o, long start, long last) {
        return new ByteRangeLock(o, new LockRange(start, last), true);
    }

    LockManager.Outcome lock(ByteRangeLock l) {
        return m.lock(F, l, false, null);
    }

    @Test
    void conflictsOnlyBetweenDifferentOwnersAndWithAWriter() {
        assertThat(lock(shared(A, 0, 10))).isEqualTo(GRANTED);
        assertThat(lock(shared(B, 5, 15))).as("readers share").isEqualTo(GRANTED);
        assertThat(lock(excl(C, 8, 8))).isEqualTo(DENIED);
        assertThat(lock(excl(C, 16, 20))).as("no overlap").isEqualTo(GRANTED);
        assertThat(lock(excl(A, 0, 4))).as("A's own read lock does not stop it").isEqualTo(GRANTED);
        assertThat(m.test(F, excl(C, 3, 6))).contains(excl(A, 0, 4));
        assertThat(m.test(F, shared(C, 11, 12))).isEmpty();
        assertThat(m.test(F, shared(C, 0, MAX))).contains(excl(A, 0, 4));
        assertThat(m.test(F, excl(B, 16, 16))).contains(excl(C, 16, 20));
        assertThat(m.test(G, excl(B, 0, MAX))).as("another file").isEmpty();
    }

    @Test
    void aSameSvidOnAnotherHostIsAnotherOwner() {
        LockOwner sameNameElsewhere = owner("10.0.0.9", "alpha", 100);
        LockOwner samePidOtherHost = owner("10.0.0.1", "alpha2", 100);
        assertThat(lock(excl(A, 0, 0))).isEqualTo(GRANTED);
        assertThat(lock(excl(sameNameElsewhere, 0, 0))).isEqualTo(DENIED);
        assertThat(lock(excl(samePidOtherHost, 0, 0))).isEqualTo(DENIED);
        assertThat(lock(excl(new LockOwner("10.0.0.1", "ALPHA", 100, "100@alpha".getBytes(StandardCharsets.UTF_8)),
                0, 0))).as("host names are case-insensitive").isEqualTo(GRANTED);
        assertThat(lock(excl(new LockOwner("10.0.0.1", "alpha", 100, "other".getBytes(StandardCharsets.UTF_8)),
                0, 0))).as("another owner handle").isEqualTo(DENIED);
    }

    @Test
    void upgradeAndDowngradeInPlace() {
        assertThat(lock(shared(A, 0, 100))).isEqualTo(GRANTED);
        assertThat(lock(excl(A, 0, 100))).as("upgrade").isEqualTo(GRANTED);
        assertThat(m.locks(F)).containsExactly(excl(A, 0, 100));
        assertThat(lock(shared(B, 50, 60))).isEqualTo(DENIED);

        assertThat(lock(shared(A, 40, 60))).as("downgrade a middle piece").isEqualTo(GRANTED);
        assertThat(m.locks(F)).containsExactly(excl(A, 0, 39), shared(A, 40, 60), excl(A, 61, 100));
        assertThat(lock(shared(B, 45, 50))).isEqualTo(GRANTED);
        assertThat(lock(excl(B, 45, 50))).as("B's upgrade conflicts with A's read lock").isEqualTo(DENIED);
        assertThat(m.locks(F)).as("a refused upgrade keeps the read lock").contains(shared(B, 45, 50));
        assertThat(lock(excl(A, 0, 100))).as("A's upgrade conflicts with B's read lock").isEqualTo(DENIED);
        assertThat(m.locks(F)).contains(shared(A, 40, 60), excl(A, 0, 39));
    }

    @Test
    void touchingLocksOfOneOwnerAndKindJoin() {
        lock(shared(A, 0, 9));
        lock(shared(A, 10, 19));
        assertThat(m.locks(F)).containsExactly(shared(A, 0, 19));
        lock(shared(A, 15, 30));
        assertThat(m.locks(F)).containsExactly(shared(A, 0, 30));
        lock(excl(A, 31, 40));
        assertThat(m.locks(F)).as("another kind stays apart").containsExactly(shared(A, 0, 30), excl(A, 31, 40));
        lock(shared(B, 100, 100));
        lock(shared(A, 50, MAX));
        assertThat(m.locks(F)).containsExactly(shared(A, 0, 30), excl(A, 31, 40), shared(A, 50, MAX),
                shared(B, 100, 100));
        lock(shared(A, 31, 49));
        assertThat(m.locks(F)).as("the write lock becomes a read lock and everything joins")
                .containsExactly(shared(A, 0, MAX), shared(B, 100, 100));
        lock(shared(A, 5, 6));
        assertThat(m.locks(F)).as("a lock inside one held changes nothing").containsExactly(shared(A, 0, MAX),
                shared(B, 100, 100));
    }

    @Test
    void unlockOfASubRangeSplits() {
        lock(excl(A, 0, MAX));
        m.unlock(F, A, new LockRange(100, 199));
        assertThat(m.locks(F)).containsExactly(excl(A, 0, 99), excl(A, 200, MAX));
        assertThat(lock(excl(B, 150, 150))).isEqualTo(GRANTED);
        m.unlock(F, A, new LockRange(0, 0));
        assertThat(m.locks(F)).contains(excl(A, 1, 99));
        m.unlock(F, A, new LockRange(5000, 6000)); // the middle of a lock
        assertThat(m.locks(F)).containsExactly(excl(A, 1, 99), excl(B, 150, 150), excl(A, 200, 4999),
                excl(A, 6001, MAX));
        m.unlock(F, C, LockRange.WHOLE_FILE); // nothing held: nothing happens
        m.unlock(F, A, LockRange.WHOLE_FILE);
        assertThat(m.locks(F)).containsExactly(excl(B, 150, 150));
        m.unlock(F, B, new LockRange(150, 150));
        assertThat(m.locks(F)).isEmpty();
        assertThat(m.counts(0)).isEqualTo(new LockManager.Counts(0, 0, 0));
    }

    @Test
    void theUpperHalfOfTheOffsetSpace() {
        long edge = MAX - 9; // offset 2^64 - 10, length 10
        assertThat(lock(excl(A, edge, MAX))).isEqualTo(GRANTED);
        assertThat(lock(excl(B, MAX, MAX))).isEqualTo(DENIED);
        assertThat(lock(excl(B, 0, MAX))).as("length 0 from 0").isEqualTo(DENIED);
        assertThat(lock(excl(B, 0, Long.MAX_VALUE))).as("the lower half").isEqualTo(GRANTED);
        assertThat(lock(excl(B, Long.MIN_VALUE + 1, edge - 1))).as("up to the edge").isEqualTo(GRANTED);
        assertThat(m.test(F, shared(C, Long.MAX_VALUE, Long.MIN_VALUE))).contains(excl(B, 0, Long.MAX_VALUE));
        assertThat(m.test(F, shared(C, Long.MIN_VALUE, Long.MIN_VALUE))).isEmpty();
        assertThat(m.locks(F)).as("sorted unsigned").containsExactly(excl(B, 0, Long.MAX_VALUE),
                excl(B, Long.MIN_VALUE + 1, edge - 1), excl(A, edge, MAX));
        lock(excl(B, Long.MIN_VALUE, Long.MIN_VALUE)); // the gap at 2^63: both halves join across it
        assertThat(m.locks(F)).containsExactly(excl(B, 0, edge - 1), excl(A, edge, MAX));
    }

    @Test
    void waitersAreGrantedInOrderWhenTheConflictGoes() {
        lock(excl(A, 0, 10));
        assertThat(m.lock(F, excl(B, 0, 10), true, "b")).isEqualTo(BLOCKED);
        assertThat(m.lock(F, excl(C, 5, 5), true, "c")).isEqualTo(BLOCKED);
        assertThat(m.waiting(F)).containsExactly(excl(B, 0, 10), excl(C, 5, 5));
        assertThat(m.counts(0)).isEqualTo(new LockManager.Counts(1, 2, 0));
        assertThat(grants).isEmpty();

        m.unlock(F, A, LockRange.WHOLE_FILE);
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("b");
        assertThat(grants.getFirst().lock()).isEqualTo(excl(B, 0, 10));
        assertThat(grants.getFirst().file()).isEqualTo(F);
        assertThat(m.locks(F)).containsExactly(excl(B, 0, 10));
        assertThat(m.waiting(F)).containsExactly(excl(C, 5, 5));

        m.unlock(F, B, new LockRange(0, 4)); // not yet: C wants byte 5
        assertThat(grants).hasSize(1);
        m.unlock(F, B, new LockRange(5, 5));
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("b", "c");
        assertThat(m.locks(F)).containsExactly(excl(C, 5, 5), excl(B, 6, 10));
    }

    @Test
    void readersWaitingTogetherAreGrantedTogetherAndADowngradeWakesThem() {
        lock(excl(A, 0, MAX));
        m.lock(F, shared(B, 0, 0), true, "b");
        m.lock(F, excl(C, 0, 0), true, "c");
        m.lock(F, shared(C, 1, 1), true, "c2");
        lock(shared(A, 0, MAX)); // downgrade
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("b", "c2");
        assertThat(m.waiting(F)).containsExactly(excl(C, 0, 0));
    }

    @Test
    void aPollingWaiterKeepsItsPlaceAndCancelRemovesOne() {
        lock(excl(A, 0, 0));
        m.lock(F, excl(B, 0, 0), true, "b1");
        m.lock(F, excl(C, 0, 0), true, "c");
        assertThat(m.lock(F, excl(B, 0, 0), true, "b2")).isEqualTo(BLOCKED);
        assertThat(m.waiting(F)).containsExactly(excl(B, 0, 0), excl(C, 0, 0));
        assertThat(m.lock(F, excl(C, 0, 0), false, null)).as("non-blocking while waiting").isEqualTo(DENIED);

        assertThat(m.cancel(F, excl(C, 0, 0))).isTrue();
        assertThat(m.cancel(F, excl(C, 0, 0))).isFalse();
        assertThat(m.cancel(F, shared(B, 0, 0))).as("a cancel names the request exactly").isFalse();
        m.unlock(F, A, LockRange.WHOLE_FILE);
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("b2");
        m.unlock(F, B, LockRange.WHOLE_FILE);
        assertThat(grants).hasSize(1);
        assertThat(m.locks(F)).isEmpty();
    }

    @Test
    void aCycleOfWaitersIsADeadlock() {
        lock(excl(A, 0, 0));
        assertThat(m.lock(G, excl(B, 0, 0), false, null)).isEqualTo(GRANTED);
        assertThat(m.lock(G, excl(A, 0, 0), true, "a")).isEqualTo(BLOCKED);
        assertThat(m.lock(F, excl(B, 0, 0), true, "b")).isEqualTo(DEADLOCK);
        assertThat(m.waiting(F)).isEmpty();
        // Through a third owner: C holds file F byte 1, waits for B; B asks for byte 1 of F.
        lock(excl(C, 1, 1));
        assertThat(m.lock(G, excl(C, 0, 0), true, "c")).isEqualTo(BLOCKED);
        assertThat(m.lock(F, excl(B, 1, 1), true, "b")).isEqualTo(DEADLOCK);
        // A chain without a cycle waits.
        assertThat(m.lock(F, shared(owner("10.0.0.4", "delta", 1), 1, 1), true, "d")).isEqualTo(BLOCKED);
    }

    @Test
    void releasingAHostTakesEverythingOfItsAndWakesOthers() {
        LockOwner a2 = owner("10.0.0.1", "alpha", 200);
        LockOwner alphaElsewhere = owner("10.0.0.7", "alpha", 100);
        lock(excl(A, 0, 0));
        lock(shared(a2, 10, 20));
        lock(shared(alphaElsewhere, 10, 20));
        m.lock(G, excl(B, 0, 0), false, null);
        assertThat(m.lock(G, excl(A, 0, 0), true, null)).isEqualTo(BLOCKED);
        m.share(G, new ShareReservation(A, ShareReservation.READ, 0));
        assertThat(m.lock(F, excl(B, 0, 0), true, "b")).as("A waits for B").isEqualTo(DEADLOCK);
        assertThat(m.lock(F, excl(C, 0, 0), true, "c")).isEqualTo(BLOCKED);

        LockManager.Released r = m.release(o -> o.isOn("10.0.0.1", "ALPHA"));
        assertThat(r).as("A's and a2's locks on F, A's waiter on G, A's share").isEqualTo(
                new LockManager.Released(2, 1, 1));
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("c");
        assertThat(m.locks(F)).containsExactly(excl(C, 0, 0), shared(alphaElsewhere, 10, 20));
        assertThat(m.waiting(G)).isEmpty();
        assertThat(m.shares(G)).isEmpty();
        assertThat(m.clients()).containsExactlyInAnyOrder("10.0.0.2", "10.0.0.3", "10.0.0.7");
    }

    @Test
    void shareReservations() {
        LockOwner a = new LockOwner("10.0.0.1", "alpha", 0, "open-1".getBytes(StandardCharsets.UTF_8));
        LockOwner b = new LockOwner("10.0.0.2", "beta", 0, "open-1".getBytes(StandardCharsets.UTF_8));
        LockOwner c = new LockOwner("10.0.0.3", "gamma", 0, "open-1".getBytes(StandardCharsets.UTF_8));
        int r = ShareReservation.READ;
        int w = ShareReservation.WRITE;
        assertThat(m.share(F, new ShareReservation(a, r, w))).as("read, deny write").isTrue();
        assertThat(m.share(F, new ShareReservation(b, w, 0))).as("wants to write").isFalse();
        assertThat(m.share(F, new ShareReservation(b, r, 0))).isTrue();
        assertThat(m.share(F, new ShareReservation(c, r, r))).as("denies reading, which others do").isFalse();
        assertThat(m.share(F, new ShareReservation(c, r | w, 0))).isFalse();
        assertThat(m.share(F, new ShareReservation(a, r, 0))).as("a's new reservation replaces its old").isTrue();
        assertThat(m.shares(F)).hasSize(2);
        assertThat(m.share(F, new ShareReservation(c, w, 0))).isTrue();
        assertThat(m.unshare(F, a)).isTrue();
        assertThat(m.unshare(F, a)).isFalse();
        assertThat(m.counts(0).shares()).isEqualTo(2);
        assertThat(m.share(F, new ShareReservation(a, 0, r | w))).as("deny all while others use it").isFalse();
        m.unshare(F, b);
        m.unshare(F, c);
        assertThat(m.share(F, new ShareReservation(a, 0, r | w))).isTrue();
    }

    @Test
    void aGrantTheClientDoesNotKnowOfIsGivenBackOnCancelOrRefusal() {
        lock(excl(A, 0, 0));
        m.lock(F, excl(B, 0, 0), true, "b");
        m.lock(F, excl(C, 0, 0), true, "c");
        m.unlock(F, A, LockRange.WHOLE_FILE);
        assertThat(m.locks(F)).containsExactly(excl(B, 0, 0));
        // B gave up waiting just as the lock came; its cancel gives the lock back, and C gets it.
        assertThat(m.cancel(F, excl(B, 0, 0))).isTrue();
        assertThat(m.locks(F)).containsExactly(excl(C, 0, 0));
        assertThat(grants).extracting(LockManager.Grant::attachment).containsExactly("b", "c");
        // C refuses the GRANTED callback: released.
        assertThat(m.refuse(F, excl(C, 0, 0))).isTrue();
        assertThat(m.locks(F)).isEmpty();

        lock(excl(A, 0, 0));
        m.lock(F, excl(B, 0, 0), true, "b");
        m.unlock(F, A, LockRange.WHOLE_FILE);
        m.confirm(F, excl(B, 0, 0));
        assertThat(m.refuse(F, excl(B, 0, 0))).as("confirmed").isFalse();
        assertThat(m.cancel(F, excl(B, 0, 0))).isFalse();
        assertThat(m.locks(F)).containsExactly(excl(B, 0, 0));

        // A client that polls and is told it holds the lock knows it: a late refusal changes nothing.
        m.lock(F, excl(C, 0, 0), true, "c");
        m.unlock(F, B, LockRange.WHOLE_FILE);
        assertThat(m.lock(F, excl(C, 0, 0), true, "c")).isEqualTo(GRANTED);
        assertThat(m.refuse(F, excl(C, 0, 0))).isFalse();
        assertThat(m.locks(F)).containsExactly(excl(C, 0, 0));
    }

    @Test
    void anUpgradeGivenBackLeavesTheReadLock() {
        lock(shared(A, 0, 10));
        lock(shared(B, 5, 5));
        assertThat(m.lock(F, excl(A, 0, 20), true, "a")).isEqualTo(BLOCKED);
        m.unlock(F, B, LockRange.WHOLE_FILE);
        assertThat(m.locks(F)).containsExactly(excl(A, 0, 20));
        assertThat(m.refuse(F, excl(A, 0, 20))).isTrue();
        assertThat(m.locks(F)).as("what A held before it asked").containsExactly(shared(A, 0, 10));
    }

    @Test
    void metersPerFileSystem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        m.bindMeters(0, registry);
        lock(excl(A, 0, 0));
        lock(excl(A, 5, 5));
        m.lock(F, excl(B, 0, 0), true, null);
        m.lock(new FileKey(1, 42), excl(B, 0, 0), false, null); // another file system
        m.share(G, new ShareReservation(A, ShareReservation.READ, 0));
        m.countGrantCallback(0, true);
        m.countGrantCallback(0, false);
        m.countGrantCallback(0, false);
        assertThat(registry.get("nlm_locks_held").gauge().value()).isEqualTo(2);
        assertThat(registry.get("nlm_locks_waiting").gauge().value()).isEqualTo(1);
        assertThat(registry.get("nlm_shares").gauge().value()).isEqualTo(1);
        assertThat(registry.get("nlm_granted_callbacks").tag("result", "sent").counter().count()).isEqualTo(1);
        assertThat(registry.get("nlm_granted_callbacks").tag("result", "failed").counter().count()).isEqualTo(2);
    }

    @Test
    void mutualExclusionUnderContention() throws Exception {
        int threads = 8;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger acquired = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            LockOwner o = owner("10.0.1." + t, "h" + t, t);
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2000; i++) {
                    boolean write = i % 3 == 0;
                    ByteRangeLock l = new ByteRangeLock(o, new LockRange(i % 7, 10), write);
                    if (m.lock(F, l, false, null) == GRANTED) {
                        acquired.incrementAndGet();
                        if (write && inside.incrementAndGet() != 1) {
                            violations.incrementAndGet();
                        }
                        if (write) {
                            inside.decrementAndGet();
                        }
                        m.unlock(F, o, LockRange.WHOLE_FILE);
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertThat(violations).hasValue(0);
        assertThat(acquired.get()).isPositive();
        assertThat(m.locks(F)).isEmpty();
    }
}
