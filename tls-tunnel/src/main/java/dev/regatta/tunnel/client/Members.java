package dev.regatta.tunnel.client;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The members of the file system's replication group that the client may reach, and which of them a new connection
 * tries first: the one that last admitted a connection. Only the group's leader admits tunnel connections, so after a
 * failover every connection would otherwise knock at the old leader first. Shared by every connection of the client
 * (the tunnel's and the callback lines'), from any event loop.
 */
final class Members {

    private final List<NodeAddress> all;
    private final AtomicInteger preferred = new AtomicInteger();

    /** @param all in the control plane's order, its best guess at the leader first */
    Members(List<NodeAddress> all) {
        this.all = checked(all);
    }

    /** The addresses, if they can be a group's: at least one, none twice. */
    static List<NodeAddress> checked(List<NodeAddress> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one node address is needed");
        }
        if (addresses.stream().distinct().count() != addresses.size()) {
            throw new IllegalArgumentException("a node address is given twice: " + addresses);
        }
        return List.copyOf(addresses);
    }

    int size() {
        return all.size();
    }

    NodeAddress get(int index) {
        return all.get(Math.floorMod(index, all.size()));
    }

    /** The position of the member a new connection tries first. */
    int preferredIndex() {
        return preferred.get();
    }

    /** @return whether new connections now try {@code member} first and did not before */
    boolean worked(NodeAddress member) {
        int index = all.indexOf(member);
        return preferred.getAndSet(index) != index;
    }

    /**
     * {@code member} dropped an established connection (it died or no longer leads): unless another connection has
     * already found where to go, new connections try the member after it first.
     *
     * @return the member new connections now try first, if this changed it
     */
    Optional<NodeAddress> dropped(NodeAddress member) {
        int index = all.indexOf(member);
        int next = (index + 1) % all.size();
        return next != index && preferred.compareAndSet(index, next)
                ? Optional.of(all.get(next)) : Optional.empty();
    }

    @Override
    public String toString() {
        return all.stream().map(NodeAddress::toString).collect(Collectors.joining(", "));
    }
}
