package dev.regatta.tunnel.client;

import dev.regatta.tunnel.relay.Failures;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Finds the member that takes one connection (a local connection, a callback line, a health check). Only the group's
 * leader admits a connection, and a node restarting or a failover makes members fail for a while, so: the member new
 * connections go to first ({@link Members}) is tried, then the others in order, moving on at once when one fails (it
 * cannot be reached, the handshake fails, or, as the caller tells with {@link #refused}, it closes the connection
 * without relaying anything). Only once every member has failed in a round does the search wait before the next
 * round: exponential backoff from the first wait, at most {@link #MAX_BACKOFF}. It gives up when a round fails after
 * the hold time has passed, or after the most rounds allowed. Runs on one event loop.
 */
final class MemberSearch {

    private static final Logger log = LoggerFactory.getLogger(MemberSearch.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** A connection to a member, its handshake completed. */
    record Found(Channel channel, NodeAddress node) {
    }

    /**
     * How long and how often to search.
     *
     * @param hold         keep starting rounds until this long after the search began
     * @param maxRounds    and at most this many rounds
     * @param firstBackoff the wait after the first failed round; it doubles after each further one
     */
    record Limits(Duration hold, int maxRounds, Duration firstBackoff) {

        Limits {
            if (hold.isNegative()) {
                throw new IllegalArgumentException("the hold time cannot be negative: " + hold);
            }
            if (maxRounds < 1) {
                throw new IllegalArgumentException("at least one round is needed, not " + maxRounds);
            }
            if (firstBackoff.isNegative()) {
                throw new IllegalArgumentException("the backoff cannot be negative: " + firstBackoff);
            }
        }

        /** Each member once (a health check, one try at a callback line). */
        static Limits oneRound() {
            return new Limits(Duration.ZERO, 1, Duration.ZERO);
        }
    }

    private final Members members;
    private final NodeDialer dialer;
    private final Limits limits;
    private final EventLoop loop;
    private final BooleanSupplier wanted;
    private final long startedAt = System.nanoTime();
    /** Each member's last failure in this search, the latest last. */
    private final Map<NodeAddress, String> failures = new LinkedHashMap<>();
    private int round = 1;
    private int triedThisRound;
    private int position;

    /** @param wanted turns false when the connection is no longer needed (its local connection has gone) */
    MemberSearch(Members members, NodeDialer dialer, Limits limits, EventLoop loop, BooleanSupplier wanted) {
        this.members = members;
        this.dialer = dialer;
        this.limits = limits;
        this.loop = loop;
        this.wanted = wanted;
        this.position = members.preferredIndex();
    }

    /**
     * The next member that completes a handshake, from where the search stands: the first call starts with the member
     * new connections go to first, a call after {@link #refused} with the member after the one that refused.
     * Fails with the reasons when the search gives up.
     */
    Future<Found> next() {
        Promise<Found> result = loop.newPromise();
        attempt(result);
        return result;
    }

    /** The member that {@link #next} found closed the connection before it relayed anything; counts as its failure. */
    void refused(NodeAddress member, String reason) {
        failed(member, reason);
    }

    /** Seconds since the search began, for the logs. */
    long seconds() {
        return Duration.ofNanos(System.nanoTime() - startedAt).toSeconds();
    }

    /**
     * The members that failed in this search and why, or empty if none did: {@code node A refused or is down
     * (reason)}, or {@code nodes A (reason) and B (reason) refused or are down}.
     */
    String failedSoFar() {
        if (failures.isEmpty()) {
            return "";
        }
        if (failures.size() == 1) {
            Map.Entry<NodeAddress, String> only = failures.entrySet().iterator().next();
            return "node " + only.getKey() + " refused or is down (" + only.getValue() + ")";
        }
        return "nodes " + failures.entrySet().stream().map(failure -> failure.getKey() + " (" + failure.getValue()
                + ")").collect(Collectors.joining(" and ")) + " refused or are down";
    }

    private void attempt(Promise<Found> result) {
        if (!wanted.getAsBoolean()) {
            result.tryFailure(new IOException("no longer needed"));
            return;
        }
        if (triedThisRound == members.size()) {
            roundFailed(result);
            return;
        }
        NodeAddress member = members.get(position);
        dialer.connect(loop, member).addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess()) {
                failed(member, Failures.describe(connected.cause()));
                attempt(result);
            } else if (!wanted.getAsBoolean()) {
                connected.getNow().close();
                result.tryFailure(new IOException("no longer needed"));
            } else if (result.trySuccess(new Found(connected.getNow(), member))) {
                failures.remove(member);
            } else {
                connected.getNow().close();
            }
        });
    }

    private void failed(NodeAddress member, String reason) {
        log.debug("node {} refused or is down: {}", member, reason);
        failures.remove(member);
        failures.put(member, reason);
        triedThisRound++;
        position++;
    }

    private void roundFailed(Promise<Found> result) {
        long left = startedAt + limits.hold().toNanos() - System.nanoTime();
        String rounds = members.size() == 1 ? "attempt" : "round";
        if (round >= limits.maxRounds() || left <= 0) {
            result.tryFailure(new IOException(summary() + " (" + round + " " + rounds + (round == 1 ? "" : "s")
                    + " in " + seconds() + " s)"));
            return;
        }
        // The shift is bounded: a long hold makes many rounds, and the wait stops growing at MAX_BACKOFF anyway.
        long backoff = Math.min(MAX_BACKOFF.toMillis(), limits.firstBackoff().toMillis() << Math.min(round - 1, 20));
        long delayMillis = Math.min(backoff, TimeUnit.NANOSECONDS.toMillis(left));
        log.warn("{}; trying again in {} ms ({} {} failed; the connection has waited {} s of at most {} s)",
                summary(), delayMillis, rounds, round, seconds(), limits.hold().toSeconds());
        round++;
        triedThisRound = 0;
        // Another connection may have found the leader meanwhile.
        position = members.preferredIndex();
        loop.schedule(() -> attempt(result), delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Every member failed: why each did. */
    private String summary() {
        if (members.size() == 1) {
            return "cannot connect to the node " + members.get(0) + ": " + failures.get(members.get(0));
        }
        return "no member of " + members + " takes the connection: " + failures.entrySet().stream()
                .map(failure -> failure.getKey() + ": " + failure.getValue()).collect(Collectors.joining("; "));
    }
}
