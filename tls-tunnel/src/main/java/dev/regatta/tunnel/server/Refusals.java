package dev.regatta.tunnel.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's record of refused connections: every one counted by reason, but at most one log line per source
 * address and reason per minute, so that a handshake flood (or a mount retrying with a bad certificate) cannot flood
 * the log, while a refusal of another kind from the same address (all tunnels behind one NAT, or on one machine)
 * still says what happened. The next line of a source and reason says how many were not logged since its last.
 */
final class Refusals {

    private static final Logger log = LoggerFactory.getLogger(Refusals.class);

    static final Duration WINDOW = Duration.ofMinutes(1);
    /**
     * Addresses remembered at once. Beyond that, addresses new in the window share one allowance, so that a flood
     * from very many addresses costs neither memory nor more than a line per minute.
     */
    static final int MAX_ADDRESSES = 10_000;

    /** A source's last logged refusal and how many were not logged since. */
    private static final class Window {
        final Instant loggedAt;
        long suppressed;

        Window(Instant loggedAt) {
            this.loggedAt = loggedAt;
        }

        boolean covers(Instant now) {
            return now.isBefore(loggedAt.plus(WINDOW));
        }
    }

    private final Clock clock;
    private final int maxAddresses;
    private final Map<RefusalReason, LongAdder> counts = new EnumMap<>(RefusalReason.class);
    /** What one allowance is for: an address and a kind of refusal. */
    private record Source(InetAddress address, RefusalReason reason) {
    }

    private final Map<Source, Window> windows = new HashMap<>();
    /** The shared allowance of addresses beyond {@link #MAX_ADDRESSES}. */
    private Window others;

    Refusals(Clock clock) {
        this(clock, MAX_ADDRESSES);
    }

    Refusals(Clock clock, int maxAddresses) {
        this.clock = clock;
        this.maxAddresses = maxAddresses;
        for (RefusalReason reason : RefusalReason.values()) {
            counts.put(reason, new LongAdder());
        }
    }

    /** Counts the refusal and logs it at WARN unless its source already had a line in the last minute. */
    void refused(InetSocketAddress remote, RefusalReason reason, String description) {
        counts.get(reason).increment();
        String unlogged = lineAllowed(new Source(remote.getAddress(), reason), clock.instant());
        if (unlogged != null) {
            log.warn("refused the connection from {}: {}{}", remote, description, unlogged);
        }
    }

    /** Refusals by reason since the server started; every reason is present. */
    Map<RefusalReason, Long> counts() {
        Map<RefusalReason, Long> snapshot = new EnumMap<>(RefusalReason.class);
        counts.forEach((reason, count) -> snapshot.put(reason, count.sum()));
        return snapshot;
    }

    /**
     * Null when no line may be written now (the refusal is then counted as not logged); else what the line adds
     * about the refusals not logged since the source's previous line ("" when none).
     */
    private synchronized String lineAllowed(Source source, Instant now) {
        Window previous = windows.get(source);
        if (previous == null && windows.size() >= maxAddresses) {
            windows.values().removeIf(window -> !window.covers(now));
        }
        if (previous == null && windows.size() >= maxAddresses) {
            if (others != null && others.covers(now)) {
                others.suppressed++;
                return null;
            }
            String unlogged = othersUnlogged();
            others = new Window(now);
            return unlogged;
        }
        if (previous != null && previous.covers(now)) {
            previous.suppressed++;
            return null;
        }
        windows.put(source, new Window(now));
        String unlogged = previous == null || previous.suppressed == 0 ? ""
                : " (" + previous.suppressed + " more refusal(s) of this kind from "
                + source.address().getHostAddress() + " since " + previous.loggedAt + " were not logged)";
        if (others != null && !others.covers(now)) {
            // The flood from many addresses is over; its count goes with the next line whoever it is about.
            unlogged += othersUnlogged();
            others = null;
        }
        return unlogged;
    }

    private String othersUnlogged() {
        return others == null || others.suppressed == 0 ? ""
                : " (" + others.suppressed + " more refusal(s) from other addresses since " + others.loggedAt
                + " were not logged)";
    }
}
