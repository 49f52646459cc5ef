package dev.regatta.dataplane.front;

import dev.regatta.dataplane.node.GrantBook;
import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.server.Admission;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Admits a tunnel connection while its certificate's grant is among the node's grants. The node learns grants with
 * its heartbeats, so a mount made right after its grant (or right after its file system was assigned here) can
 * arrive first: then the node asks the control plane before it refuses. A mount refused on grants fetched for it is
 * refused from memory after that, so a client retrying with a revoked certificate cannot make the node heartbeat
 * at every attempt. A mount of a file system whose replication group another member leads is refused at once: its
 * tunnel moves on to the next member.
 */
final class GrantAdmission implements Admission {

    /** How long a connection waits for the control plane's answer before it is judged on what the node knows. */
    static final Duration REFRESH_WAIT = Duration.ofSeconds(5);
    private static final int MAX_REMEMBERED = 10_000;

    private final GrantBook grants;
    /** Whether this node follows a file system's group (serves nothing of it) right now. */
    private final Predicate<String> follows;
    private final Duration refreshWait;
    private final Set<String> refusedOnFreshGrants = ConcurrentHashMap.newKeySet();

    GrantAdmission(GrantBook grants, Predicate<String> follows) {
        this(grants, follows, REFRESH_WAIT);
    }

    GrantAdmission(GrantBook grants, Predicate<String> follows, Duration refreshWait) {
        this.grants = grants;
        this.follows = follows;
        this.refreshWait = refreshWait;
    }

    @Override
    public CompletionStage<Optional<String>> refusal(ClientIdentity mount, InetSocketAddress remote) {
        Optional<String> following = following(follows, mount);
        if (following.isPresent()) {
            return CompletableFuture.completedFuture(following);
        }
        Optional<String> refusal = refusal(grants, mount);
        if (refusal.isEmpty() || refusedOnFreshGrants.contains(mount.mountId())) {
            return CompletableFuture.completedFuture(refusal);
        }
        // copy(): the timeout must not complete the heartbeat that other connections wait for.
        return grants.refresh().toCompletableFuture().copy()
                .completeOnTimeout(null, refreshWait.toMillis(), TimeUnit.MILLISECONDS)
                .handle((answered, failed) -> {
                    Optional<String> afterRefresh = refusal(grants, mount);
                    if (afterRefresh.isPresent()) {
                        if (refusedOnFreshGrants.size() >= MAX_REMEMBERED) {
                            refusedOnFreshGrants.clear(); // bounded; at worst one more heartbeat each
                        }
                        refusedOnFreshGrants.add(mount.mountId());
                    }
                    return afterRefresh;
                });
    }

    /** Why a mount may not use this node now: another member of its file system's group leads it. */
    static Optional<String> following(Predicate<String> follows, ClientIdentity mount) {
        return follows.test(mount.fileSystemId())
                ? Optional.of("file system " + mount.fileSystemId() + " is served by another member of its "
                        + "replication group (this node follows it)")
                : Optional.empty();
    }

    /** Why a mount may not use this node now: its file system is not served here, or its grant is gone. */
    static Optional<String> refusal(GrantBook grants, ClientIdentity mount) {
        if (grants.grantsOf(mount.fileSystemId()).isEmpty()) {
            return Optional.of("file system " + mount.fileSystemId() + " has no grants on this node (not assigned "
                    + "here, or every grant was removed)");
        }
        if (!grants.isActive(mount.fileSystemId(), mount.grantId())) {
            return Optional.of("grant " + mount.grantId() + " of " + mount.fileSystemId() + " was removed");
        }
        return Optional.empty();
    }
}
