package dev.regatta.dataplane.locks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The byte-range locks and share reservations of every file a node serves, shared by all clients of each file
 * system, with POSIX semantics (fcntl {@code F_SETLK}/{@code F_SETLKW}/{@code F_GETLK}):
 * <ul>
 *   <li>locks of different owners conflict when their ranges overlap and one of them is exclusive;</li>
 *   <li>an owner's new lock replaces whatever that owner held in its range (upgrade, downgrade, split), and joins
 *       the owner's locks of the same kind that overlap or touch it into one;</li>
 *   <li>an unlock releases just its range, splitting a lock it cuts through; unlocking what is not held is fine;</li>
 *   <li>a blocking request that conflicts waits in a queue per file; whenever locks go (unlock, downgrade, a
 *       released host), the waiters of the file are granted in arrival order as far as they no longer conflict, and
 *       the {@link GrantListener} hears of each; a request that would wait for its own owner through a chain of
 *       waiting owners is refused as a deadlock instead.</li>
 * </ul>
 * A lock granted to a waiter stays "unconfirmed" until the client shows it knows (it confirms the grant, or asks
 * for the lock again and is told it holds it): a cancel or a refusal of an unconfirmed grant gives the lock back,
 * so that a client that stopped waiting just as the lock came free does not leave it held.
 *
 * <p>Everything is in memory under one monitor; nothing blocks under it, and the listener is called after it is
 * released, on the thread whose call freed the locks. This class knows nothing of NLM's wire format.
 */
public final class LockManager {

    private static final Logger log = LoggerFactory.getLogger(LockManager.class);

    /** What a lock request came to. */
    public enum Outcome { GRANTED, DENIED, BLOCKED, DEADLOCK }

    /** A waiting request that was granted once its conflicts went; {@code attachment} is the one it waited with. */
    public record Grant(FileKey file, ByteRangeLock lock, Object attachment) {
    }

    /** Hears of waiting requests that were granted. */
    @FunctionalInterface
    public interface GrantListener {
        void granted(Grant grant);
    }

    /** What {@link #release} took away. */
    public record Released(int locks, int waiters, int shares) {
        public boolean isEmpty() {
            return locks + waiters + shares == 0;
        }
    }

    /** The state of one file system: locks held, requests waiting, share reservations. */
    public record Counts(int locks, int waiting, int shares) {
    }

    private static final class Waiter {
        final FileKey file;
        final ByteRangeLock request;
        Object attachment;

        Waiter(FileKey file, ByteRangeLock request, Object attachment) {
            this.file = file;
            this.request = request;
            this.attachment = attachment;
        }
    }

    /** A lock granted to a waiter, and what its owner held in that range before (an upgrade's read lock). */
    private record Unconfirmed(ByteRangeLock lock, List<ByteRangeLock> before) {
    }

    private static final class FileState {
        /** Held locks, sorted by start; an owner's locks never overlap each other. */
        final List<ByteRangeLock> held = new ArrayList<>();
        /** In arrival order. */
        final List<Waiter> waiters = new ArrayList<>();
        final List<ShareReservation> shares = new ArrayList<>();
        /** Locks granted to waiters that their clients have not acknowledged yet. */
        final List<Unconfirmed> unconfirmed = new ArrayList<>();

        boolean isEmpty() {
            return held.isEmpty() && waiters.isEmpty() && shares.isEmpty();
        }
    }

    private final Map<FileKey, FileState> files = new HashMap<>();
    private final Map<LockOwner, Set<Waiter>> waitersByOwner = new HashMap<>();
    private final Map<Integer, Counter[]> callbackCounters = new ConcurrentHashMap<>();
    private volatile GrantListener listener = grant -> { };

    /** Who hears of waiters granted later; set once at wiring time. */
    public void onGrant(GrantListener listener) {
        this.listener = listener;
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    /** The first held lock of another owner that conflicts with {@code request} (F_GETLK), if any. */
    public synchronized Optional<ByteRangeLock> test(FileKey file, ByteRangeLock request) {
        FileState s = files.get(file);
        if (s == null) {
            return Optional.empty();
        }
        return s.held.stream().filter(request::conflictsWith).findFirst();
    }

    /**
     * Takes the lock if nothing conflicts; otherwise refuses it ({@code block} false), or queues it ({@code block}
     * true: BLOCKED, or DEADLOCK when the wait would never end). A request queued again (a client polling its
     * blocked lock) keeps its place and takes the new attachment.
     *
     * @param attachment handed back in the {@link Grant} when a queued request is granted later
     */
    public Outcome lock(FileKey file, ByteRangeLock request, boolean block, Object attachment) {
        List<Grant> grants = new ArrayList<>();
        Outcome outcome;
        synchronized (this) {
            FileState s = files.computeIfAbsent(file, k -> new FileState());
            List<ByteRangeLock> conflicts = s.held.stream().filter(request::conflictsWith).toList();
            if (conflicts.isEmpty()) {
                Waiter queued = waiterFor(s, request);
                if (queued != null) {
                    dequeue(s, queued);
                }
                forgetUnconfirmed(s, request.owner(), request.range());
                apply(s, request);
                wake(file, s, grants); // a downgrade can let others in
                outcome = Outcome.GRANTED;
            } else if (!block) {
                outcome = Outcome.DENIED;
            } else if (waitsFor(request.owner(), conflicts)) {
                outcome = Outcome.DEADLOCK;
            } else {
                Waiter queued = waiterFor(s, request);
                if (queued != null) {
                    queued.attachment = attachment;
                } else {
                    Waiter w = new Waiter(file, request, attachment);
                    s.waiters.add(w);
                    waitersByOwner.computeIfAbsent(request.owner(), o -> new LinkedHashSet<>()).add(w);
                }
                outcome = Outcome.BLOCKED;
            }
            dropIfEmpty(file, s);
        }
        deliver(grants);
        return outcome;
    }

    /** Releases {@code range} of the owner's locks (F_UNLCK); what the owner does not hold there is ignored. */
    public void unlock(FileKey file, LockOwner owner, LockRange range) {
        List<Grant> grants = new ArrayList<>();
        synchronized (this) {
            FileState s = files.get(file);
            if (s == null) {
                return;
            }
            forgetUnconfirmed(s, owner, range);
            cut(s, owner, range);
            wake(file, s, grants);
            dropIfEmpty(file, s);
        }
        deliver(grants);
    }

    /**
     * Withdraws a request: the waiting one, or, when it was granted but the client has not acknowledged the grant,
     * the lock it was given (the client gave up waiting and will never use it).
     *
     * @return whether there was such a request
     */
    public boolean cancel(FileKey file, ByteRangeLock request) {
        List<Grant> grants = new ArrayList<>();
        boolean found;
        synchronized (this) {
            FileState s = files.get(file);
            if (s == null) {
                return false;
            }
            Waiter queued = waiterFor(s, request);
            if (queued != null) {
                dequeue(s, queued);
                found = true;
            } else {
                found = giveBack(file, s, request, grants);
            }
            dropIfEmpty(file, s);
        }
        deliver(grants);
        return found;
    }

    /** The client acknowledged a lock granted while it waited. */
    public synchronized void confirm(FileKey file, ByteRangeLock lock) {
        FileState s = files.get(file);
        if (s != null) {
            s.unconfirmed.removeIf(u -> u.lock().equals(lock));
        }
    }

    /**
     * The client refused a lock granted while it waited (it is no longer waiting for it): the lock is released (what
     * the owner held in its range before, such as the read lock of an upgrade, is held again), unless the client has
     * since shown that it knows it holds it.
     *
     * @return whether the lock was released
     */
    public boolean refuse(FileKey file, ByteRangeLock lock) {
        List<Grant> grants = new ArrayList<>();
        boolean released;
        synchronized (this) {
            FileState s = files.get(file);
            if (s == null) {
                return false;
            }
            released = giveBack(file, s, lock, grants);
            dropIfEmpty(file, s);
        }
        deliver(grants);
        return released;
    }

    private boolean giveBack(FileKey file, FileState s, ByteRangeLock lock, List<Grant> grants) {
        Unconfirmed u = null;
        for (Unconfirmed candidate : s.unconfirmed) {
            if (candidate.lock().equals(lock)) {
                u = candidate;
                break;
            }
        }
        if (u == null) {
            return false;
        }
        s.unconfirmed.remove(u);
        cut(s, lock.owner(), lock.range());
        for (ByteRangeLock before : u.before()) {
            apply(s, before);
        }
        wake(file, s, grants);
        return true;
    }

    // ---- share reservations --------------------------------------------------------------------------------

    /**
     * Takes a share reservation unless it conflicts with another owner's; an owner's new reservation on a file
     * replaces its old one.
     *
     * @return whether it was granted
     */
    public synchronized boolean share(FileKey file, ShareReservation share) {
        FileState s = files.computeIfAbsent(file, k -> new FileState());
        for (ShareReservation other : s.shares) {
            if (share.conflictsWith(other)) {
                dropIfEmpty(file, s);
                return false;
            }
        }
        s.shares.removeIf(other -> other.owner().equals(share.owner()));
        s.shares.add(share);
        return true;
    }

    /** Removes the owner's share reservation on the file, if it has one. */
    public synchronized boolean unshare(FileKey file, LockOwner owner) {
        FileState s = files.get(file);
        if (s == null) {
            return false;
        }
        boolean removed = s.shares.removeIf(other -> other.owner().equals(owner));
        dropIfEmpty(file, s);
        return removed;
    }

    // ---- hosts ---------------------------------------------------------------------------------------------

    /**
     * Takes away every lock, waiting request and share reservation of the owners {@code which} accepts (a client
     * that rebooted or freed everything), and grants what was waiting for them.
     */
    public Released release(Predicate<LockOwner> which) {
        List<Grant> grants = new ArrayList<>();
        int locks = 0;
        int waiters = 0;
        int shares = 0;
        synchronized (this) {
            for (Iterator<Map.Entry<FileKey, FileState>> it = files.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<FileKey, FileState> e = it.next();
                FileState s = e.getValue();
                int before = s.held.size();
                s.held.removeIf(l -> which.test(l.owner()));
                locks += before - s.held.size();
                s.unconfirmed.removeIf(u -> which.test(u.lock().owner()));
                for (Waiter w : List.copyOf(s.waiters)) {
                    if (which.test(w.request.owner())) {
                        dequeue(s, w);
                        waiters++;
                    }
                }
                before = s.shares.size();
                s.shares.removeIf(sh -> which.test(sh.owner()));
                shares += before - s.shares.size();
                wake(e.getKey(), s, grants);
                if (s.isEmpty()) {
                    it.remove();
                }
            }
        }
        deliver(grants);
        return new Released(locks, waiters, shares);
    }

    /**
     * Forgets every lock, waiting request and share reservation on file system {@code fileSystem}'s files (this node
     * no longer serves it). Nothing is granted in their place: every waiter there goes too.
     */
    public synchronized Released releaseAll(int fileSystem) {
        int locks = 0;
        int waiters = 0;
        int shares = 0;
        for (Iterator<Map.Entry<FileKey, FileState>> it = files.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<FileKey, FileState> e = it.next();
            if (e.getKey().fileSystem() != fileSystem) {
                continue;
            }
            FileState s = e.getValue();
            locks += s.held.size();
            shares += s.shares.size();
            for (Waiter w : List.copyOf(s.waiters)) {
                dequeue(s, w);
                waiters++;
            }
            it.remove();
        }
        return new Released(locks, waiters, shares);
    }

    /** The network identities of the clients that hold, wait for or reserve anything. */
    public synchronized Set<String> clients() {
        Set<String> clients = new HashSet<>();
        for (FileState s : files.values()) {
            s.held.forEach(l -> clients.add(l.owner().client()));
            s.waiters.forEach(w -> clients.add(w.request.owner().client()));
            s.shares.forEach(sh -> clients.add(sh.owner().client()));
        }
        return clients;
    }

    // ---- inspection and meters -----------------------------------------------------------------------------

    /** The locks held on a file, by start. */
    public synchronized List<ByteRangeLock> locks(FileKey file) {
        FileState s = files.get(file);
        return s == null ? List.of() : List.copyOf(s.held);
    }

    /** The requests waiting on a file, in arrival order. */
    public synchronized List<ByteRangeLock> waiting(FileKey file) {
        FileState s = files.get(file);
        return s == null ? List.of() : s.waiters.stream().map(w -> w.request).toList();
    }

    public synchronized List<ShareReservation> shares(FileKey file) {
        FileState s = files.get(file);
        return s == null ? List.of() : List.copyOf(s.shares);
    }

    public synchronized Counts counts(int fileSystem) {
        int locks = 0;
        int waiting = 0;
        int shares = 0;
        for (Map.Entry<FileKey, FileState> e : files.entrySet()) {
            if (e.getKey().fileSystem() == fileSystem) {
                locks += e.getValue().held.size();
                waiting += e.getValue().waiters.size();
                shares += e.getValue().shares.size();
            }
        }
        return new Counts(locks, waiting, shares);
    }

    /**
     * Registers a file system's lock meters on {@code registry} (the file system's own view, which tags them):
     * {@code nlm_locks_held}, {@code nlm_locks_waiting}, {@code nlm_shares}, and
     * {@code nlm_granted_callbacks_total{result=sent|failed}}.
     */
    public void bindMeters(int fileSystem, MeterRegistry registry) {
        Gauge.builder("nlm_locks_held", this, m -> m.counts(fileSystem).locks())
                .description("Byte-range locks held by NLM clients").register(registry);
        Gauge.builder("nlm_locks_waiting", this, m -> m.counts(fileSystem).waiting())
                .description("Blocking lock requests waiting for a conflicting lock to go").register(registry);
        Gauge.builder("nlm_shares", this, m -> m.counts(fileSystem).shares())
                .description("DOS share reservations held by NLM clients").register(registry);
        callbackCounters.put(fileSystem, new Counter[] {
                Counter.builder("nlm_granted_callbacks").tag("result", "sent")
                        .description("GRANTED callbacks to clients whose blocked lock was granted")
                        .register(registry),
                Counter.builder("nlm_granted_callbacks").tag("result", "failed")
                        .description("GRANTED callbacks to clients whose blocked lock was granted")
                        .register(registry)});
    }

    /** Counts a GRANTED callback of the file system, delivered or not. */
    public void countGrantCallback(int fileSystem, boolean delivered) {
        Counter[] counters = callbackCounters.get(fileSystem);
        if (counters != null) {
            counters[delivered ? 0 : 1].increment();
        }
    }

    // ---- the algebra ---------------------------------------------------------------------------------------

    /** The owner's locks in the request's range become the request; touching locks of its kind join it. */
    private static void apply(FileState s, ByteRangeLock request) {
        LockOwner owner = request.owner();
        cut(s, owner, request.range());
        LockRange merged = request.range();
        boolean joined = true;
        while (joined) {
            joined = false;
            for (Iterator<ByteRangeLock> it = s.held.iterator(); it.hasNext(); ) {
                ByteRangeLock h = it.next();
                if (h.owner().equals(owner) && h.exclusive() == request.exclusive() && h.range().touches(merged)) {
                    merged = merged.span(h.range());
                    it.remove();
                    joined = true;
                }
            }
        }
        s.held.add(new ByteRangeLock(owner, merged, request.exclusive()));
        s.held.sort((a, b) -> LockRange.compareStart(a.range(), b.range()));
    }

    /** Removes {@code range} from the owner's locks, keeping what lies outside it. */
    private static void cut(FileState s, LockOwner owner, LockRange range) {
        List<ByteRangeLock> pieces = new ArrayList<>();
        for (Iterator<ByteRangeLock> it = s.held.iterator(); it.hasNext(); ) {
            ByteRangeLock h = it.next();
            if (h.owner().equals(owner) && h.range().overlaps(range)) {
                it.remove();
                for (LockRange piece : h.range().minus(range)) {
                    pieces.add(new ByteRangeLock(owner, piece, h.exclusive()));
                }
            }
        }
        if (!pieces.isEmpty()) {
            s.held.addAll(pieces);
            s.held.sort((a, b) -> LockRange.compareStart(a.range(), b.range()));
        }
    }

    /** Grants waiters, in order, as long as some can be: a grant that downgrades can free an earlier waiter. */
    private void wake(FileKey file, FileState s, List<Grant> grants) {
        boolean granted = true;
        while (granted && !s.waiters.isEmpty()) {
            granted = false;
            for (Waiter w : List.copyOf(s.waiters)) {
                if (s.held.stream().noneMatch(w.request::conflictsWith)) {
                    dequeue(s, w);
                    LockRange range = w.request.range();
                    List<ByteRangeLock> before = s.held.stream()
                            .filter(h -> h.owner().equals(w.request.owner()) && h.range().overlaps(range))
                            .map(h -> new ByteRangeLock(h.owner(), h.range().intersect(range), h.exclusive()))
                            .toList();
                    apply(s, w.request);
                    s.unconfirmed.add(new Unconfirmed(w.request, before));
                    grants.add(new Grant(file, w.request, w.attachment));
                    granted = true;
                }
            }
        }
    }

    /**
     * Whether {@code owner} would wait for itself: some owner it would wait for waits, directly or through others,
     * for a lock {@code owner} holds.
     */
    private boolean waitsFor(LockOwner owner, List<ByteRangeLock> conflicts) {
        Deque<LockOwner> todo = new ArrayDeque<>();
        conflicts.forEach(c -> todo.push(c.owner()));
        Set<LockOwner> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            LockOwner o = todo.pop();
            if (o.equals(owner)) {
                return true;
            }
            if (!seen.add(o)) {
                continue;
            }
            for (Waiter w : waitersByOwner.getOrDefault(o, Set.of())) {
                FileState s = files.get(w.file);
                if (s != null) {
                    s.held.stream().filter(w.request::conflictsWith).forEach(h -> todo.push(h.owner()));
                }
            }
        }
        return false;
    }

    private static Waiter waiterFor(FileState s, ByteRangeLock request) {
        for (Waiter w : s.waiters) {
            if (w.request.equals(request)) {
                return w;
            }
        }
        return null;
    }

    private void dequeue(FileState s, Waiter w) {
        s.waiters.remove(w);
        Set<Waiter> mine = waitersByOwner.get(w.request.owner());
        if (mine != null) {
            mine.remove(w);
            if (mine.isEmpty()) {
                waitersByOwner.remove(w.request.owner());
            }
        }
    }

    /** The owner acted on the range again: any grant there is known to it. */
    private static void forgetUnconfirmed(FileState s, LockOwner owner, LockRange range) {
        s.unconfirmed.removeIf(u -> u.lock().owner().equals(owner) && u.lock().range().overlaps(range));
    }

    private void dropIfEmpty(FileKey file, FileState s) {
        if (s.isEmpty()) {
            files.remove(file);
        }
    }

    private void deliver(List<Grant> grants) {
        for (Grant g : grants) {
            try {
                listener.granted(g);
            } catch (RuntimeException e) {
                log.warn("lock grant listener failed for {} of {}", g.lock(), g.file(), e);
            }
        }
    }
}
