package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;
import dev.regatta.tunnel.tls.MemberTls;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Three members of one file system's replication group in one JVM, for the tests of replicated stores: member
 * {@code m<i>} keeps its log and store under {@code <dir>/m<i>/}, its cache files in memory ({@link MemoryFiles}).
 * Tests reach into the arrays to stop, replace and reopen members as nodes would.
 */
final class ReplicatedGroup implements AutoCloseable {

    static final long ROOT = 1;
    static final int SIZE = 3;
    /** Ratis settings of a group whose logs go behind a snapshot every few entries, keeping none behind it. */
    static final Consumer<RaftProperties> SHORT_LOGS = p -> {
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 10);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("16KB"));
        RaftServerConfigKeys.Log.setPurgeGap(p, 1);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, 0);
    };
    /** Short, so that tests of a lost leader wait little; long enough for two cores under a test run. */
    static final Duration ELECTION_TIMEOUT = Duration.ofMillis(400);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    final List<Replication.Member> members = new ArrayList<>();
    final MetadataStore[] stores = new MetadataStore[SIZE];
    final ReplicationServer[] servers = new ReplicationServer[SIZE];
    final MemoryFiles[] files = {new MemoryFiles(), new MemoryFiles(), new MemoryFiles()};
    private final Path dir;
    private final String fileSystem;

    /** A member's cache files, in memory: what the log told it to write, cut and delete. */
    static final class MemoryFiles implements FollowerFiles {
        final Map<Long, byte[]> contents = new ConcurrentHashMap<>();
        final AtomicInteger syncs = new AtomicInteger();

        @Override
        public synchronized void write(long fileId, long offset, ByteBuffer bytes) {
            byte[] old = contents.getOrDefault(fileId, new byte[0]);
            int end = (int) offset + bytes.remaining();
            byte[] now = Arrays.copyOf(old, Math.max(old.length, end));
            bytes.duplicate().get(now, (int) offset, bytes.remaining());
            contents.put(fileId, now);
        }

        @Override
        public synchronized void truncate(long fileId, long size) {
            byte[] old = contents.getOrDefault(fileId, new byte[0]);
            contents.put(fileId, Arrays.copyOf(old, (int) Math.min(old.length, size)));
        }

        @Override
        public synchronized void read(long fileId, long offset, ByteBuffer dst) {
            byte[] held = contents.getOrDefault(fileId, new byte[0]);
            for (long at = offset; dst.hasRemaining(); at++) {
                dst.put(at < held.length ? held[(int) at] : 0);
            }
        }

        @Override
        public void delete(long fileId) {
            contents.remove(fileId);
        }

        @Override
        public void syncChanged() {
            syncs.incrementAndGet();
        }
    }

    ReplicatedGroup(Path dir, String fileSystem) {
        this.dir = dir;
        this.fileSystem = fileSystem;
    }

    /**
     * Starts every member's replication server, then opens every member's store.
     *
     * @param tls    member {@code i}'s TLS, or null for the clear
     * @param tuning Ratis settings changed last
     */
    ReplicatedGroup start(IntFunction<MemberTls> tls, Consumer<RaftProperties> tuning) {
        for (int i = 0; i < SIZE; i++) {
            members.add(new Replication.Member("m" + i, "127.0.0.1", freePort()));
        }
        for (int i = 0; i < SIZE; i++) {
            servers[i] = new ReplicationServer("m" + i, "127.0.0.1", members.get(i).port(),
                    dir.resolve("m" + i).resolve("replication"), ELECTION_TIMEOUT, tls.apply(i), tuning);
            servers[i].start();
        }
        for (int i = 0; i < SIZE; i++) {
            open(i);
        }
        return this;
    }

    /** Opens member {@code i}'s store (again): it joins the group through its node's running server. */
    void open(int i) {
        // A store that closes leaves its group; its node's server stays, as a node's does for its other groups.
        stores[i] = MetadataStore.openReplicated(dir.resolve("m" + i).resolve("meta"), servers[i],
                new Replication(fileSystem, members), files[i]);
    }

    /** Closes member {@code i}'s store, as its file system stopping on its node; the server stays. */
    void closeStore(int i) {
        stores[i].close();
        stores[i] = null;
    }

    /** Waits for a member to take writes, and returns it. */
    int leader() throws InterruptedException {
        int[] found = {-1};
        await("a member takes writes", () -> {
            for (int i = 0; i < SIZE; i++) {
                if (stores[i] != null && stores[i].writable()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Stores first, then servers. */
    @Override
    public void close() {
        for (int i = 0; i < SIZE; i++) {
            if (stores[i] != null) {
                closeStore(i);
            }
        }
        for (int i = 0; i < SIZE; i++) {
            if (servers[i] != null) {
                servers[i].close();
                servers[i] = null;
            }
        }
    }

    /** One durable transaction: a new file named {@code name} in the root directory; returns its inode ID. */
    static long create(MetadataStore store, String name) {
        return store.write(Durability.SYNC, tx -> {
            long id = tx.allocateId();
            Inode file = Inode.imported(id, FileType.REGULAR, 0644, 0, 0, 0);
            file.addLink(ROOT, name);
            tx.putInode(file).putEntry(ROOT, name, id, id).markDirty(id, 1000);
            return id;
        });
    }

    /** Whether {@code store} holds the file {@link #create} made, its entry and its inode. */
    static boolean has(MetadataStore store, String name, long id) {
        MetadataStore.Entry e = store.read(tx -> tx.lookup(ROOT, name));
        return e != null && e.childId() == id && store.read(tx -> tx.inode(id)) != null;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
