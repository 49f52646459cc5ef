package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three metadata stores in one replication group, on loopback: what the leader acknowledges, the group keeps. */
class ReplicatedMetadataStoreTest {

    private static final long ROOT = 1;

    @TempDir
    Path dir;

    private final List<Replication.Member> members = new ArrayList<>();
    private final MetadataStore[] stores = new MetadataStore[3];

    @BeforeEach
    void startGroup() throws IOException {
        for (int i = 0; i < 3; i++) {
            members.add(new Replication.Member("m" + i, "127.0.0.1", freePort()));
        }
        for (int i = 0; i < 3; i++) {
            open(i);
        }
    }

    @AfterEach
    void stopGroup() {
        for (MetadataStore s : stores) {
            if (s != null) {
                s.close();
            }
        }
    }

    private void open(int i) {
        Replication replication = new Replication("fs-test", "m" + i, members, dir.resolve("m" + i).resolve("raft"),
                Duration.ofMillis(400));
        stores[i] = MetadataStore.openReplicated(dir.resolve("m" + i).resolve("meta"), replication);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Waits for a member to take writes, and returns it. */
    private int leader() throws InterruptedException {
        int[] found = {-1};
        await("a member takes writes", () -> {
            for (int i = 0; i < 3; i++) {
                if (stores[i] != null && stores[i].writable()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** One durable transaction: a new file named {@code name} in the root directory; returns its inode ID. */
    private static long create(MetadataStore store, String name) {
        return store.write(Durability.SYNC, tx -> {
            long id = tx.allocateId();
            Inode file = Inode.imported(id, FileType.REGULAR, 0644, 0, 0, 0);
            file.addLink(ROOT, name);
            tx.putInode(file).putEntry(ROOT, name, id, id).markDirty(id, 1000);
            return id;
        });
    }

    private static boolean has(MetadataStore store, String name, long id) {
        MetadataStore.Entry e = store.read(tx -> tx.lookup(ROOT, name));
        return e != null && e.childId() == id && store.read(tx -> tx.inode(id)) != null;
    }

    @Test
    void whatTheLeaderWritesEveryMemberApplies() throws InterruptedException {
        int leader = leader();
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 50; n++) {
            created.put("f" + n, create(stores[leader], "f" + n));
        }
        for (int i = 0; i < 3; i++) {
            MetadataStore member = stores[i];
            await("member m" + i + " has all 50 files", () ->
                    created.entrySet().stream().allMatch(e -> has(member, e.getKey(), e.getValue())));
            Map<Long, MetadataStore.DirtyMark> queued = member.read(ReadTransaction::dirtyQueue);
            assertThat(queued).hasSize(50);
        }
    }

    @Test
    void aFollowerRefusesWrites() throws InterruptedException {
        int leader = leader();
        int follower = (leader + 1) % 3;
        assertThat(stores[follower].writable()).isFalse();
        assertThatThrownBy(() -> create(stores[follower], "nope"))
                .isInstanceOf(MetadataException.class)
                .hasMessageContaining("does not lead");
        MetadataStore.Entry entry = stores[follower].read(tx -> tx.lookup(ROOT, "nope"));
        assertThat(entry).isNull();
    }

    @Test
    void anotherMemberLeadsWithEveryAcknowledgedChangeWhenTheLeaderStops() throws Exception {
        int leader = leader();
        MetadataStore old = stores[leader];
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
        stores[leader] = null;
        for (Thread w : writers) {
            w.join();
        }
        assertThat(failed.get()).isEqualTo(8);

        int next = leader();
        assertThat(next).isNotEqualTo(leader);
        MetadataStore now = stores[next];
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
        MetadataStore follower = stores[3 - leader - next];
        await("the remaining follower applies the new leader's change", () -> has(follower, "after-failover", id));
    }

    @Test
    void aMemberThatWasStoppedCatchesUpFromTheLogWhenItReturns() throws InterruptedException {
        int leader = leader();
        int follower = (leader + 1) % 3;
        stores[follower].close();
        stores[follower] = null;
        Map<String, Long> created = new ConcurrentHashMap<>();
        for (int n = 0; n < 100; n++) {
            created.put("while-away-" + n, create(stores[leader], "while-away-" + n));
        }
        open(follower);
        MetadataStore back = stores[follower];
        await("the returning member has the 100 files written while it was away", () ->
                created.entrySet().stream().allMatch(e -> has(back, e.getKey(), e.getValue())));
        assertThat(back.writable()).isFalse();
    }
}
