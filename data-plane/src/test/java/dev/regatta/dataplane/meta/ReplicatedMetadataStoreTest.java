package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.meta.ReplicatedGroup.MemoryFiles;
import dev.regatta.dataplane.model.FileType;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static dev.regatta.dataplane.meta.ReplicatedGroup.ROOT;
import static dev.regatta.dataplane.meta.ReplicatedGroup.await;
import static dev.regatta.dataplane.meta.ReplicatedGroup.create;
import static dev.regatta.dataplane.meta.ReplicatedGroup.freePort;
import static dev.regatta.dataplane.meta.ReplicatedGroup.has;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three metadata stores in one replication group, on loopback: what the leader acknowledges, the group keeps. */
class ReplicatedMetadataStoreTest {

    @TempDir
    Path dir;

    private ReplicatedGroup group;

    @BeforeEach
    void startGroup() {
        group = new ReplicatedGroup(dir, "fs-test").start(i -> null, p -> {
        });
    }

    @AfterEach
    void stopGroup() {
        group.close();
    }

    @Test
    void whatTheLeaderWritesEveryMemberApplies() throws InterruptedException {
        int leader = group.leader();
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 50; n++) {
            created.put("f" + n, create(group.stores[leader], "f" + n));
        }
        for (int i = 0; i < 3; i++) {
            MetadataStore member = group.stores[i];
            await("member m" + i + " has all 50 files", () ->
                    created.entrySet().stream().allMatch(e -> has(member, e.getKey(), e.getValue())));
            Map<Long, MetadataStore.DirtyMark> queued = member.read(ReadTransaction::dirtyQueue);
            assertThat(queued).hasSize(50);
        }
    }

    @Test
    void transactionsWrittenWhileAnEntryIsOnItsWayShareTheNextEntryAndEveryMemberAppliesEachOfThem()
            throws InterruptedException {
        int leader = group.leader();
        long entriesBefore = group.stores[leader].appliedLogIndex();
        Map<String, Long> created = new ConcurrentHashMap<>();
        Thread[] writers = new Thread[16];
        for (int t = 0; t < writers.length; t++) {
            int writer = t;
            writers[t] = Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 40; n++) {
                    String name = "w" + writer + "-" + n;
                    created.put(name, create(group.stores[leader], name));
                }
            });
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(created).hasSize(640);
        for (int i = 0; i < 3; i++) {
            MetadataStore member = group.stores[i];
            await("member m" + i + " has all 640 files", () ->
                    created.entrySet().stream().allMatch(e -> has(member, e.getKey(), e.getValue())));
        }
        long entries = group.stores[leader].appliedLogIndex() - entriesBefore;
        assertThat(entries).as("log entries for 640 durable transactions of 16 writers").isPositive().isLessThan(640);
    }

    @Test
    void largeWritesOfManyWritersAtOnceShareEntriesTheGroupTakes() throws InterruptedException {
        int leader = group.leader();
        MetadataStore store = group.stores[leader];
        long[] ids = new long[8];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = create(store, "big-" + t);
        }
        byte[] mib = new byte[1 << 20];
        Arrays.fill(mib, (byte) 7);
        Thread[] writers = new Thread[ids.length];
        AtomicReference<Throwable> failed = new AtomicReference<>();
        for (int t = 0; t < writers.length; t++) {
            long id = ids[t];
            writers[t] = Thread.ofPlatform().start(() -> {
                try {
                    for (int n = 0; n < 4; n++) {
                        long offset = (long) n << 20;
                        // Durable, as a FILE_SYNC WRITE of 1 MiB: several of them wait together for one entry.
                        store.write(Durability.SYNC, tx -> tx.replicateWrite(id, offset, ByteBuffer.wrap(mib)));
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            });
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(failed.get()).as("every 1 MiB write held by the group").isNull();
        assertThat(store.writable()).as("the leader still takes writes").isTrue();
        for (int i = 0; i < 3; i++) {
            MemoryFiles member = group.files[i];
            if (i == leader) {
                continue; // the leader writes its own cache files, not through the log
            }
            await("member m" + i + " has every file's 4 MiB", () -> {
                for (long id : ids) {
                    byte[] held = member.contents.get(id);
                    if (held == null || held.length != 4 << 20) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    @Test
    void bytesWrittenOnTheLeaderReachEveryFollowersFilesAndOnlyThoseCountAsCachedThere() throws InterruptedException {
        int leader = group.leader();
        MetadataStore store = group.stores[leader];
        long id = create(store, "data");
        change(store, Durability.BUFFERED, id, inode -> inode.adoptObject("data", "\"e1\"", 1000, 0));
        // The leader fetched the object's bytes from S3: cached there, not sent (a member fetches its own).
        change(store, Durability.BUFFERED, id, inode -> inode.cached(0, 1000));
        // A client appends: the bytes travel with the WRITE's transaction.
        byte[] hello = "hello, replicated world".getBytes(StandardCharsets.UTF_8);
        group.files[leader].write(id, 1000, ByteBuffer.wrap(hello));
        store.write(Durability.SYNC, tx -> {
            Inode inode = tx.inode(id);
            inode.write(1000, 1000 + hello.length, 1);
            tx.putInode(inode).replicateWrite(id, 1000, ByteBuffer.wrap(hello));
            return null;
        });
        // SETATTR grows it: zeros, on every member alike.
        change(store, Durability.SYNC, id, inode -> inode.resize(4096));
        assertThat(store.read(tx -> tx.inode(id)).present().ranges()).containsExactly(new RangeSet.Range(0, 4096));

        int follower = (leader + 1) % 3;
        for (int member : new int[]{follower, 3 - leader - follower}) {
            await("member m" + member + " has the grown file", () ->
                    group.stores[member].read(tx -> tx.inode(id)).size() == 4096);
            byte[] held = group.files[member].contents.get(id);
            assertThat(Arrays.copyOfRange(held, 1000, held.length)).isEqualTo(hello);
            assertThat(group.stores[member].read(tx -> tx.inode(id)).present().ranges())
                    .as("what member m%d counts as cached: its own bytes and the zeros, not the leader's fetch",
                            member)
                    .containsExactly(new RangeSet.Range(1000, 4096));
        }

        // A cut travels too, an eviction on the leader drops the file everywhere, and a removed inode takes its file
        // with it.
        store.write(Durability.SYNC, tx -> {
            Inode inode = tx.inode(id);
            inode.resize(5);
            tx.putInode(inode).replicateTruncate(id, 5);
            return null;
        });
        await("the cut reaches a follower", () -> group.files[follower].contents.get(id).length == 5);
        assertThat(group.stores[follower].read(tx -> tx.inode(id)).present().isEmpty()).isTrue();
        long other = create(store, "other");
        byte[] more = "more".getBytes(StandardCharsets.UTF_8);
        store.write(Durability.SYNC, tx -> {
            Inode inode = tx.inode(other);
            inode.write(0, more.length, 1);
            tx.putInode(inode).replicateWrite(other, 0, ByteBuffer.wrap(more));
            return null;
        });
        await("a follower holds the other file", () -> Arrays.equals(group.files[follower].contents.get(other), more));
        change(store, Durability.SYNC, other, Inode::cacheDropped);
        await("the evicted file leaves the follower", () -> !group.files[follower].contents.containsKey(other));
        store.write(Durability.SYNC, tx -> {
            tx.deleteEntry(ROOT, "data", id).deleteInode(id);
            return null;
        });
        await("the removed inode's file goes", () -> !group.files[follower].contents.containsKey(id));
    }

    private static void change(MetadataStore store, Durability durability, long id,
                               java.util.function.Consumer<Inode> change) {
        store.write(durability, tx -> {
            Inode inode = tx.inode(id);
            change.accept(inode);
            tx.putInode(inode);
            return null;
        });
    }

    @Test
    void aFollowerRefusesWrites() throws InterruptedException {
        int leader = group.leader();
        int follower = (leader + 1) % 3;
        assertThat(group.stores[follower].writable()).isFalse();
        assertThatThrownBy(() -> create(group.stores[follower], "nope"))
                .isInstanceOf(MetadataException.class)
                .hasMessageContaining("does not lead");
        MetadataStore.Entry entry = group.stores[follower].read(tx -> tx.lookup(ROOT, "nope"));
        assertThat(entry).isNull();
    }

    @Test
    void anotherMemberLeadsWithEveryAcknowledgedChangeWhenTheLeaderStops() throws Exception {
        int leader = group.leader();
        MetadataStore old = group.stores[leader];
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(200);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int writer = t;
            writers.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 10_000; n++) {
                    String name = "w" + writer + "-" + n;
                    try {
                        acknowledged.put(name, create(old, name));
                        enough.countDown();
                    } catch (MetadataException e) {
                        failed.incrementAndGet();
                        return;
                    }
                }
            }));
        }
        enough.await();
        old.close();
        group.stores[leader] = null;
        for (Thread w : writers) {
            w.join();
        }
        assertThat(failed.get()).isEqualTo(8);

        int next = group.leader();
        assertThat(next).isNotEqualTo(leader);
        MetadataStore now = group.stores[next];
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(200);
        Set<String> missing = ConcurrentHashMap.newKeySet();
        acknowledged.forEach((name, id) -> {
            if (!has(now, name, id)) {
                missing.add(name);
            }
        });
        assertThat(missing).as("acknowledged changes the new leader lacks").isEmpty();

        // The new leader goes on from the IDs the old one handed out, and the remaining follower follows it.
        long maxAcknowledged = acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        long id = create(now, "after-failover");
        assertThat(id).isGreaterThan(maxAcknowledged);
        MetadataStore follower = group.stores[3 - leader - next];
        await("the remaining follower applies the new leader's change", () -> has(follower, "after-failover", id));
    }

    @Test
    void aMemberWhoseNodeRestartedCatchesUpFromTheLogWhenItReturns() throws InterruptedException {
        int leader = group.leader();
        int follower = (leader + 1) % 3;
        for (int n = 0; n < 20; n++) {
            create(group.stores[leader], "before-" + n);
        }
        // The node stops, its store and its replication server; its log stays on its disk.
        group.closeStore(follower);
        group.servers[follower].close();
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 100; n++) {
            created.put("while-away-" + n, create(group.stores[leader], "while-away-" + n));
        }
        // A new server on that disk starts before the store that joins the group (Ratis, left alone, would open the
        // group from disk at start, without its state machine, and fail to start).
        group.servers[follower] = new ReplicationServer("m" + follower, "127.0.0.1", group.members.get(follower).port(),
                dir.resolve("m" + follower).resolve("replication"), ReplicatedGroup.ELECTION_TIMEOUT);
        group.servers[follower].start();
        group.open(follower);
        MetadataStore back = group.stores[follower];
        await("the returning member has the 100 files written while it was away", () ->
                created.entrySet().stream().allMatch(e -> has(back, e.getKey(), e.getValue())));
        assertThat(back.writable()).isFalse();
    }

    @Test
    void aNewNodeThatReplacesTheDeadLeaderCatchesUpFromTheLogAndVotesInTheNextElection() throws Exception {
        int gone = group.leader();
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 50; n++) {
            created.put("before-" + n, create(group.stores[gone], "before-" + n));
        }

        // The leader's node is gone for good; the two left elect one of them.
        group.closeStore(gone);
        group.servers[gone].close();
        int leader = group.leader();
        int stays = 3 - leader - gone;
        // A new node, with nothing on its disk, takes the dead one's place and address (the same machine with a new
        // disk, say).
        Replication.Member replacement = new Replication.Member("m3", "127.0.0.1", group.members.get(gone).port());
        group.members.set(gone, replacement);
        group.servers[gone] = new ReplicationServer("m3", "127.0.0.1", replacement.port(),
                dir.resolve("m3").resolve("replication"), ReplicatedGroup.ELECTION_TIMEOUT);
        group.servers[gone].start();
        group.files[gone] = new MemoryFiles();
        Replication replication = new Replication("fs-test", group.members);
        group.stores[gone] = MetadataStore.openReplicated(dir.resolve("m3").resolve("meta"), group.servers[gone],
                replication, group.files[gone]);
        // The others hear of the new member a heartbeat later: meanwhile it stands for election, and the leader
        // (whose configuration, logged in its term, does not have it) tells it to stop.
        Thread.sleep(3000);
        for (MetadataStore store : group.stores) {
            store.reconfigure(replication);
        }
        MetadataStore newcomer = group.stores[gone];
        await("the new member has every file written before it joined", () ->
                created.entrySet().stream().allMatch(e -> has(newcomer, e.getKey(), e.getValue())));
        // No client writes now: the change of members must complete on an idle group too.
        Thread.sleep(2000);

        // It counts: with the second leader gone too, only it and the remaining old member can elect the next one.
        group.closeStore(leader);
        int next = group.leader();
        assertThat(next).isIn(gone, stays);
        long id = create(group.stores[next], "after-the-second-loss");
        MetadataStore other = group.stores[next == gone ? stays : gone];
        await("the other member applies the new leader's change", () -> has(other, "after-the-second-loss", id));
    }

    @Test
    void aMemberBehindTheStartOfTheLeadersLogCopiesTheStoreWithTheBytesNotYetInS3AndFollowsTheLogAfterIt()
            throws Exception {
        // A group whose logs go behind a snapshot every few entries, keeping none behind it.
        group.close();
        group = new ReplicatedGroup(dir.resolve("short-logs"), "fs-test").start(i -> null, ReplicatedGroup.SHORT_LOGS);
        int leader = group.leader();
        MetadataStore store = group.stores[leader];
        long before = create(store, "before");
        int away = (leader + 1) % 3;
        await("member m" + away + " has the first file", () -> has(group.stores[away], "before", before));
        long awayApplied = group.stores[away].appliedLogIndex();
        group.closeStore(away);

        // While it is away: a file with bytes not in S3 yet, one whose bytes the leader fetched from S3, many others.
        long unsynced = create(store, "unsynced");
        byte[] hello = "bytes only the group holds".getBytes(StandardCharsets.UTF_8);
        group.files[leader].write(unsynced, 0, ByteBuffer.wrap(hello));
        store.write(Durability.SYNC, tx -> {
            Inode inode = tx.inode(unsynced);
            inode.write(0, hello.length, 1);
            tx.putInode(inode).replicateWrite(unsynced, 0, ByteBuffer.wrap(hello));
            return null;
        });
        long fetched = create(store, "fetched");
        change(store, Durability.BUFFERED, fetched, inode -> inode.adoptObject("fetched", "\"e1\"", 1000, 0));
        change(store, Durability.SYNC, fetched, inode -> inode.cached(0, 1000));
        group.files[leader].write(fetched, 0, ByteBuffer.wrap(new byte[1000]));
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 200; n++) {
            created.put("f" + n, create(store, "f" + n));
        }
        var division = group.servers[leader].server().getDivision(ReplicatedLog.groupId("fs-test"));
        await("the leader's log starts after what member m" + away + " applied",
                () -> division.getRaftLog().getStartIndex() > awayApplied + 1);

        // It returns: too far behind for the log, it copies the leader's store.
        group.files[away] = new MemoryFiles();
        group.files[away].write(before, 0, ByteBuffer.wrap("stale".getBytes(StandardCharsets.UTF_8)));
        group.open(away);
        MetadataStore back = group.stores[away];
        // Records show up while a copy is under way and the bytes come last; the member's applied index moves only
        // once the copy is whole, and then with the log after it.
        long after = create(store, "after");
        long afterIndex = store.appliedLogIndex();
        await("the member that was away applies the log through a change made after it returned",
                () -> back.appliedLogIndex() >= afterIndex);
        assertThat(has(back, "after", after)).isTrue();
        assertThat(created.entrySet().stream().allMatch(e -> has(back, e.getKey(), e.getValue())))
                .as("every file created while it was away").isTrue();
        assertThat(has(back, "before", before)).isTrue();
        assertThat(group.files[away].contents.get(unsynced)).isEqualTo(hello);
        assertThat(back.read(tx -> tx.inode(unsynced)).present().ranges())
                .containsExactly(new RangeSet.Range(0, hello.length));
        assertThat(back.read(tx -> tx.inode(fetched)).present().isEmpty())
                .as("bytes the leader fetched from S3 are not copied, nor counted as cached").isTrue();
        assertThat(group.files[away].contents).as("what the copy brought of the files").containsOnlyKeys(unsynced);
    }

    /** Where {@link #leaderWithAChangeNeverCommitted} left the group. */
    private record Uncommitted(int leader, long kept, int[] others) {
    }

    /**
     * Every member has the file "kept"; then the two others go away and the leader applies a change at once (the
     * file "never-committed"), which the group can never commit. The leader stays up.
     */
    private Uncommitted leaderWithAChangeNeverCommitted() throws InterruptedException {
        int leader = group.leader();
        long kept = create(group.stores[leader], "kept");
        for (int i = 0; i < 3; i++) {
            int member = i;
            await("member m" + member + " has the first file", () -> has(group.stores[member], "kept", kept));
        }
        int[] others = {(leader + 1) % 3, (leader + 2) % 3};
        for (int other : others) {
            group.closeStore(other);
        }
        long lost = group.stores[leader].write(Durability.BUFFERED, tx -> {
            long id = tx.allocateId();
            Inode file = Inode.imported(id, FileType.REGULAR, 0644, 0, 0, 0);
            file.addLink(ROOT, "never-committed");
            tx.putInode(file).putEntry(ROOT, "never-committed", id, id);
            return id;
        });
        assertThat(has(group.stores[leader], "never-committed", lost)).as("the leader applies before the group has it")
                .isTrue();
        return new Uncommitted(leader, kept, others);
    }

    @Test
    void aLeaderThatAppliedChangesTheGroupNeverCommittedDropsThemWhenItReturns() throws Exception {
        Uncommitted u = leaderWithAChangeNeverCommitted();
        int leader = u.leader();
        long kept = u.kept();
        int[] others = u.others();
        group.closeStore(leader);

        // The others return and lead on without it; then the old leader returns.
        for (int other : others) {
            group.open(other);
        }
        int next = group.leader();
        long after = create(group.stores[next], "after-the-old-leader-left");
        group.open(leader);
        MetadataStore back = group.stores[leader];
        // It may apply the new leader's entries to its own store before it copies the leader's (and its store is
        // empty while the copy is under way): what counts is the end, once its marker is gone.
        Path marker = dir.resolve("m" + leader).resolve("meta.unconfirmed");
        await("the old leader copies the new leader's store", () -> !Files.exists(marker));
        await("the old leader applies the new leader's change", () -> has(back, "after-the-old-leader-left", after));
        MetadataStore.Entry phantom = back.read(tx -> tx.lookup(ROOT, "never-committed"));
        assertThat(phantom).as("a change the group never committed, on the member that applied it").isNull();
        // Its inode ID went to the new leader's file: the member's root must be the leader's, entry for entry.
        List<MetadataStore.Entry> leaders = group.stores[next].read(tx -> tx.entries(ROOT, 0, 100));
        List<MetadataStore.Entry> its = back.read(tx -> tx.entries(ROOT, 0, 100));
        assertThat(its).isEqualTo(leaders);
        assertThat(has(back, "kept", kept)).isTrue();
    }

    @Test
    void aLeaderThatLosesTheLeadWithChangesTheGroupNeverCommittedCopiesTheNewLeadersStore() throws Exception {
        Uncommitted u = leaderWithAChangeNeverCommitted();
        int leader = u.leader();
        long kept = u.kept();
        int[] others = u.others();
        // It hands the lead back (as a leader cut off from the others would lose it): still running, it follows now.
        group.servers[leader].server().transferLeadershipAsync(new TransferLeadershipRequest(ClientId.randomId(),
                group.servers[leader].server().getId(), ReplicatedLog.groupId("fs-test"), 1, null, 3000));
        int was = leader;
        await("the old leader no longer takes writes", () -> !group.stores[was].writable());

        // The others return and elect one of them; the old leader hears of it.
        for (int other : others) {
            group.open(other);
        }
        int next = -1;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (next < 0 && System.nanoTime() < deadline) {
            for (int other : others) {
                if (group.stores[other].writable()) {
                    next = other;
                }
            }
            Thread.sleep(20);
        }
        assertThat(next).as("one of the returning members leads").isIn(others[0], others[1]);
        long after = create(group.stores[next], "after-the-change-of-leader");
        MetadataStore old = group.stores[leader];
        await("the old leader applies the new leader's change", () -> has(old, "after-the-change-of-leader", after));
        int newLeader = next;
        await("the old leader's root is the new leader's, without the change the group never committed", () ->
                old.read(tx -> tx.entries(ROOT, 0, 100))
                        .equals(group.stores[newLeader].read(tx -> tx.entries(ROOT, 0, 100))));
        assertThat(old.writable()).isFalse();
    }

    @Test
    void aReplicationPortThatIsTakenIsReportedWithoutEndingTheProcess() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            ReplicationServer clash = new ReplicationServer("m9", "127.0.0.1", taken.getLocalPort(),
                    dir.resolve("m9").resolve("replication"), ReplicatedGroup.ELECTION_TIMEOUT);
            try {
                assertThatThrownBy(clash::start).isInstanceOf(MetadataException.class)
                        .hasMessageContaining("cannot start this node's replication server (member m9) on 127.0.0.1:"
                                + taken.getLocalPort());
            } finally {
                clash.close();
            }
        }
    }

    @Test
    void aGroupOfOneThatStoppedWhileItLedLeadsAgain() throws Exception {
        ReplicationServer alone = new ReplicationServer("solo", "127.0.0.1", freePort(),
                dir.resolve("solo").resolve("replication"), ReplicatedGroup.ELECTION_TIMEOUT);
        alone.start();
        Replication replication = new Replication("fs-solo", List.of(new Replication.Member("solo", "127.0.0.1",
                Integer.parseInt(alone.address().substring(alone.address().lastIndexOf(':') + 1)))));
        Path meta = dir.resolve("solo").resolve("meta");
        try {
            MetadataStore store = MetadataStore.openReplicated(meta, alone, replication, new MemoryFiles());
            await("the only member leads", store::writable);
            long id = create(store, "first");
            store.close();
            // As a kill would leave it: the marker of a leader whose changes were not all acknowledged.
            Files.writeString(meta.resolveSibling("meta.unconfirmed"), "killed while it led");

            MetadataStore back = MetadataStore.openReplicated(meta, alone, replication, new MemoryFiles());
            try {
                await("the only member leads again: there is no other store to copy", back::writable);
                assertThat(has(back, "first", id)).isTrue();
            } finally {
                back.close();
            }
        } finally {
            alone.close();
        }
    }
}
