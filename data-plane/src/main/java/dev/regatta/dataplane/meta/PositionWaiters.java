package dev.regatta.dataplane.meta;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;

/**
 * Callers of a {@link DurableLog} waiting for their log position to become durable. Each is answered by its own
 * future rather than a shared condition, so that sixteen released callers do not queue to take one lock back before
 * they can go on. Not thread-safe: its log calls it under its own lock, and the callers wait outside it.
 */
final class PositionWaiters {

    private record Waiter(long position, CompletableFuture<Void> done) {
    }

    private final List<Waiter> waiters = new ArrayList<>();

    /** A caller waits for {@code position}: {@link #await} the answer outside the lock. */
    CompletableFuture<Void> add(long position) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        waiters.add(new Waiter(position, done));
        return done;
    }

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    /** Answers every caller waiting for a position up to {@code upTo}: released, or given {@code failure}. */
    void answerUpTo(long upTo, MetadataException failure) {
        answer(w -> w.position() <= upTo, failure);
    }

    /** Fails every caller waiting for a position from {@code from} on. */
    void failFrom(long from, MetadataException failure) {
        answer(w -> w.position() >= from, failure);
    }

    private void answer(Predicate<Waiter> which, MetadataException failure) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (which.test(w)) {
                it.remove();
                if (failure == null) {
                    w.done().complete(null);
                } else {
                    w.done().completeExceptionally(failure);
                }
            }
        }
    }

    /** Waits for an answer; a failure is thrown as the {@link MetadataException} it was given. */
    static void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            throw (MetadataException) e.getCause();
        }
    }
}
