package dev.regatta.dataplane.front;

import dev.regatta.dataplane.node.Grant;
import dev.regatta.dataplane.node.GrantBook;
import dev.regatta.tunnel.CertifiedAccess;
import dev.regatta.tunnel.ClientIdentity;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class GrantAdmissionTest {

    private static final String FS = "fs-0123456789abcdef0";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);

    /** What a node knows, and what the control plane would answer to the next heartbeat. */
    private static final class Grants implements GrantBook {
        final Map<String, List<Grant>> known = new ConcurrentHashMap<>();
        final Map<String, List<Grant>> inTheControlPlane = new ConcurrentHashMap<>();
        final AtomicInteger heartbeats = new AtomicInteger();
        CompletableFuture<Void> nextAnswer;

        @Override
        public boolean isActive(String fileSystemId, String grantId) {
            return grantsOf(fileSystemId).stream().anyMatch(g -> g.id().equals(grantId));
        }

        @Override
        public List<Grant> grantsOf(String fileSystemId) {
            return known.getOrDefault(fileSystemId, List.of());
        }

        @Override
        public CompletionStage<Void> refresh() {
            heartbeats.incrementAndGet();
            if (nextAnswer != null) {
                return nextAnswer;
            }
            known.clear();
            known.putAll(inTheControlPlane);
            return CompletableFuture.completedFuture(null);
        }
    }

    private final Grants grants = new Grants();
    /** The file systems whose replication group another member leads. */
    private final Set<String> following = ConcurrentHashMap.newKeySet();
    private final GrantAdmission admission = new GrantAdmission(grants, following::contains, Duration.ofMillis(300));

    @Test
    void aKnownGrantIsAdmittedWithoutAskingTheControlPlane() throws Exception {
        grants.known.put(FS, List.of(grant("grant-a")));
        assertThat(decide(mount("mount-1", "grant-a"))).isEmpty();
        assertThat(grants.heartbeats).hasValue(0);
    }

    @Test
    void aGrantNewerThanTheLastHeartbeatIsFetchedAndAdmitted() throws Exception {
        grants.known.put(FS, List.of(grant("grant-a")));
        grants.inTheControlPlane.put(FS, List.of(grant("grant-a"), grant("grant-new")));
        assertThat(decide(mount("mount-1", "grant-new"))).isEmpty();
        assertThat(grants.heartbeats).hasValue(1);
    }

    @Test
    void aFileSystemAssignedAMomentAgoIsFetchedAndAdmitted() throws Exception {
        grants.inTheControlPlane.put(FS, List.of(grant("grant-a")));
        assertThat(decide(mount("mount-1", "grant-a"))).isEmpty();
    }

    @Test
    void aRemovedGrantIsRefusedAndItsRetriesNoLongerAskTheControlPlane() throws Exception {
        grants.known.put(FS, List.of(grant("grant-b")));
        grants.inTheControlPlane.put(FS, List.of(grant("grant-b")));
        assertThat(decide(mount("mount-1", "grant-a"))).hasValueSatisfying(
                reason -> assertThat(reason).contains("grant grant-a of " + FS + " was removed"));
        assertThat(decide(mount("mount-1", "grant-a"))).isPresent();
        assertThat(decide(mount("mount-1", "grant-a"))).isPresent();
        assertThat(grants.heartbeats).as("one heartbeat for three attempts").hasValue(1);
    }

    @Test
    void aControlPlaneThatDoesNotAnswerInTimeLeavesTheDecisionToWhatTheNodeKnows() throws Exception {
        grants.nextAnswer = new CompletableFuture<>();
        long started = System.nanoTime();
        assertThat(decide(mount("mount-1", "grant-new"))).hasValueSatisfying(
                reason -> assertThat(reason).contains("has no grants on this node"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(grants.nextAnswer).as("the heartbeat others wait for is not completed by one's timeout")
                .isNotDone();
    }

    @Test
    void aMountOfAFileSystemThisNodeFollowsIsRefusedAtOnceForItsTunnelToTryTheNextMember() throws Exception {
        grants.known.put(FS, List.of(grant("grant-a")));
        following.add(FS);
        assertThat(decide(mount("mount-1", "grant-a"))).hasValueSatisfying(
                reason -> assertThat(reason).contains("served by another member of its replication group"));
        assertThat(grants.heartbeats).as("the control plane cannot change that").hasValue(0);

        following.remove(FS); // this node leads now
        assertThat(decide(mount("mount-1", "grant-a"))).isEmpty();
    }

    private Optional<String> decide(ClientIdentity mount) throws Exception {
        return admission.refusal(mount, CLIENT).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static ClientIdentity mount(String mountId, String grantId) {
        return new ClientIdentity(mountId, FS, CertifiedAccess.READ_WRITE, grantId,
                "arn:aws:iam::123456789012:role/app", Instant.now().plusSeconds(3600));
    }

    private static Grant grant(String id) {
        return new Grant(id, "arn:aws:iam::123456789012:role/app", "READ_WRITE", false);
    }
}
