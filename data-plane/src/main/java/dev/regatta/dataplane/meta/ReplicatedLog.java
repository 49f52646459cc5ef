package dev.regatta.dataplane.meta;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The metadata log replicated by a Raft group of nodes, on Apache Ratis: every write transaction of the group's leader
 * goes into an entry of the group's log, and a durable transaction returns once a majority of the members hold its
 * entry on disk. Many transactions share one entry, as they shared one fsync alone: while an entry is on its way
 * through the group ({@link #ENTRIES_IN_FLIGHT}), the transactions written meanwhile wait and go together as the next
 * one (each entry costs Ratis a request, a log sync and about ten thread hand-offs on every member; profiled, one
 * entry per transaction held a group to some 1,000 transactions a second with 16 writers).
 *
 * <p>The leader applies a transaction to its own database when the transaction commits, before the group has it
 * (the next transaction must read it), and its batch goes to Ratis in commit order (entries are handed on under the
 * store's write lock or, for what waited, in turn after the entry before is answered). Followers apply each entry's
 * batches when the group has committed it ({@link MetadataStateMachine}). An entry carries
 * the epoch of the leadership that wrote it, so the member that wrote it does not apply it twice. A member starts to
 * take writes only once it leads and has applied every entry committed before its term.
 *
 * <p>Entries are a stored format, kept in every member's log (big-endian): a code byte, then for
 * {@link #METADATA_BATCHES} the writer's epoch (8 bytes), a 4-byte count of transactions, and each transaction: its
 * position (8 bytes), the RocksDB batch as {@code WriteBatch.data()} gives it (a 4-byte length, then its bytes), and
 * the file changes that travel with it (a 4-byte count, then each {@link FileOp}). {@link #METADATA_BATCH} (written
 * before transactions shared entries) is the epoch, then one transaction.
 *
 * <p>A member behind the start of the leader's log (the log behind a snapshot goes) copies the leader's store
 * ({@link StoreCopy}). A leader applies its changes before the group commits them; one that loses the lead or stops
 * before they are acknowledged may hold changes the group never commits, so it copies the store of the next leader
 * in place of its own before it may lead again ({@link #rebuild}).
 */
final class ReplicatedLog implements DurableLog {

    private static final Logger log = LoggerFactory.getLogger(ReplicatedLog.class);

    /** Entry code: one write transaction. Codes are stored in logs: never reuse or renumber one. */
    static final byte METADATA_BATCH = 1;
    /** Entry code: write transactions in position order, written while earlier entries were on their way. */
    static final byte METADATA_BATCHES = 2;
    /**
     * Entries on their way through the group at once: one, plain group commit. Measured with three members in one
     * JVM and 16 writers, p50 of a durable create: one in flight 5.9-8.5 ms, two 9-12 ms, four 11.5-13.7 ms (each
     * entry more in flight splits the waiting transactions into more entries, each paying the whole round).
     */
    static final int ENTRIES_IN_FLIGHT = 1;
    /**
     * An entry takes transactions up to this size, or one however large (a WRITE carries at most 1 MiB): Ratis
     * refuses an entry over its appender's buffer ({@link ReplicationServer#APPENDER_BUFFER_BYTES}), which would cost
     * the leader its lead. Half of it: room to spare for Ratis's framing of the entry.
     */
    static final int ENTRY_BYTES = ReplicationServer.APPENDER_BUFFER_BYTES / 2;
    /** How long a copy's start waits for the leader's changes on their way to be committed (see openCopy). */
    private static final Duration COPY_QUIESCE = Duration.ofSeconds(10);
    /** How often a leader changing the group's members writes an empty entry (see nudgeWhileReconfiguring). */
    private static final Duration NUDGE_INTERVAL = Duration.ofMillis(250);

    private final MetadataStore store;
    /** The group as it was when this member joined. */
    private final Replication replication;
    /** The members the group should have (the control plane's latest word): the leader makes the group match it. */
    private volatile Replication wanted;
    /** A change of the group's members is on its way; one at a time. */
    private final AtomicBoolean reconfiguring = new AtomicBoolean();
    private final RaftGroup group;
    /** This node's replication server, which this group's division runs in. */
    private final ReplicationServer node;
    /** This member's name in the group. */
    private final String self;
    private final ClientId clientId = ClientId.randomId();
    /** Call IDs of this member's requests other than entries (which carry their position). */
    private final AtomicLong callIds = new AtomicLong(-1L << 62);
    /** This member's state machine; a new one when it joins the group again ({@link #stoppedByGroup}). */
    private volatile MetadataStateMachine machine;
    private final FollowerFiles files;
    private final RaftServer server;
    /**
     * Where this member's entries go while it leads: its division of the group, called on the caller's own thread.
     * The server's {@code submitClientRequestAsync} hands each request to a thread of its own and joins it, while the
     * writer holds the store's write lock: one hand-off less per entry (measured in one JVM, 16 writers: p50 15 ms
     * rather than 19; one writer: 4.6 ms rather than 5.3).
     */
    private volatile RaftClientAsynchronousProtocol submitter;
    /** Transactions handed on and not answered yet; a writer waits beyond this (under the store's lock). */
    private final Semaphore outstanding = new Semaphore(ReplicationServer.MAX_OUTSTANDING);
    /** A transaction written and not yet in an entry: its position, the leadership it was written in, its record. */
    private record Queued(long position, long epoch, ByteBuffer record) {
    }
    /** Guards {@link #queued} and {@link #entriesInFlight}; entries are handed to Ratis under it, in order. */
    private final Object entries = new Object();
    private final ArrayDeque<Queued> queued = new ArrayDeque<>();
    private int entriesInFlight;
    /** Hands on what waited once an entry is answered: not on Ratis's own thread, which may hold its log's lock. */
    private final ExecutorService next;
    /** Copies of the store this member sends while it leads, to members behind the start of its log. */
    private final StoreCopy.Source copies;
    /**
     * Beside the store while this member leads, and after, until everything it wrote is known to be in the group's
     * log: its store may then hold changes the group never committed (see {@link #mustRebuild}).
     */
    private final Path unconfirmed;
    /**
     * This member's store may hold changes the group never committed (it stopped or lost the lead with changes not
     * yet acknowledged): it must not lead, and copies the leader's store once another member leads.
     */
    private volatile boolean mustRebuild;
    /** A rebuild is under way. */
    private final AtomicBoolean rebuilding = new AtomicBoolean();
    /** See {@link #applyGate()}. */
    private final ReentrantLock applyGate = new ReentrantLock();

    private final ReentrantLock lock = new ReentrantLock();
    /** Under {@link #lock}. */
    private final PositionWaiters waiters = new PositionWaiters();
    /** Under {@link #lock}: the first position the group refused since this member last started to lead. */
    private long refusedFrom = Long.MAX_VALUE;
    /** Under {@link #lock}: why. */
    private MetadataException refusal;
    /** Every position up to this one is held by a majority. */
    private volatile long durable;
    /** Assigned under the store's write lock. */
    private volatile long lastWritten;
    /** The epoch of this member's current (or last) leadership: its entries are applied here already. */
    private volatile long epoch;
    private volatile boolean writable;
    /** This member leads and has told its listener so (writable may go before, when the group refuses an entry). */
    private volatile boolean leading;
    private volatile boolean closed;
    private volatile Leadership listener;

    /** @throws IllegalArgumentException when this node ({@code server}'s name) is not one of the group's members */
    ReplicatedLog(MetadataStore store, Replication replication, ReplicationServer server, FollowerFiles files) {
        if (!replication.hasMember(server.name())) {
            throw new IllegalArgumentException("this node (" + server.name() + ") is not a member of replication group "
                    + replication.group() + ": " + replication.members());
        }
        this.store = store;
        this.replication = replication;
        this.wanted = replication;
        this.node = server;
        this.server = server.server();
        this.self = server.name();
        this.group = RaftGroup.valueOf(groupId(replication.group()), peers(replication));
        this.files = files;
        this.machine = new MetadataStateMachine(store, this, files);
        this.copies = new StoreCopy.Source(this::openCopy, files);
        this.unconfirmed = store.directory().resolveSibling(store.directory().getFileName() + ".unconfirmed");
        this.next = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("regatta-replication-entries-" + replication.group()).factory());
    }

    private static List<RaftPeer> peers(Replication replication) {
        return replication.members().stream()
                .map(m -> RaftPeer.newBuilder().setId(m.name()).setAddress(m.address()).build())
                .toList();
    }

    /**
     * The group should have these members now (one replaced another): while this member leads it changes the group's
     * configuration to them (a new member catches up from the log first, as Raft's joint consensus does it); a member
     * that comes to lead later does the same.
     */
    void reconfigure(Replication members) {
        wanted = members;
        if (writable()) {
            matchWanted();
        }
    }

    /** Asks the group to take the wanted members if its configuration differs (on the leader only). */
    private void matchWanted() {
        Replication target = wanted;
        Collection<RaftPeer> current;
        try {
            current = server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers();
        } catch (IOException e) {
            return; // left the group
        }
        Set<String> now = new TreeSet<>();
        current.forEach(p -> now.add(p.getId() + "@" + p.getAddress()));
        Set<String> goal = new TreeSet<>();
        target.members().forEach(m -> goal.add(m.name() + "@" + m.address()));
        if (now.equals(goal) || !reconfiguring.compareAndSet(false, true)) {
            return;
        }
        log.warn("replication group {}: member {} leads and changes the group's members from {} to {}",
                replication.group(), self, now, goal);
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.setConfigurationAsync(new SetConfigurationRequest(clientId, server.getId(),
                    group.getGroupId(), callIds.incrementAndGet(), peers(target)));
        } catch (IOException e) {
            reconfiguring.set(false);
            log.warn("replication group {}: cannot change its members: {}", replication.group(), e.toString());
            return;
        }
        nudgeWhileReconfiguring();
        reply.whenComplete((r, failure) -> {
            reconfiguring.set(false);
            if (failure == null && r.isSuccess()) {
                log.info("replication group {}: members are now {}", replication.group(), goal);
                if (wanted != target && writable()) {
                    matchWanted(); // changed again meanwhile
                }
            } else {
                log.warn("replication group {}: the change of members to {} failed ({}); the next leader or the "
                        + "next assignment tries again", replication.group(), goal,
                        failure != null ? failure.toString() : r.getException());
            }
        });
    }

    /**
     * Writes an empty transaction every {@link #NUDGE_INTERVAL} while a change of members is on its way: Ratis judges
     * a joining member caught up from its replies to entries, and an idle leader sends it heartbeats only, so the
     * change would otherwise wait for the next client's write.
     */
    private void nudgeWhileReconfiguring() {
        Thread.ofPlatform().daemon().name("regatta-replication-reconfigure-" + replication.group()).start(() -> {
            while (reconfiguring.get() && writable()) {
                try {
                    Thread.sleep(NUDGE_INTERVAL.toMillis());
                    if (reconfiguring.get() && writable()) {
                        store.write(Durability.BUFFERED, tx -> null);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (MetadataException e) {
                    return; // no longer leads, or closing
                }
            }
        });
    }

    /**
     * The group does not count this member yet (a node that replaces another, joining with an empty log, stood for
     * election before the leader added it, and the others told it to stop): it joins again with no configuration of
     * its own, so that it only listens until the leader's change of members reaches it with the log.
     */
    void stoppedByGroup() {
        if (closed) {
            return;
        }
        Thread.ofPlatform().daemon().name("regatta-replication-rejoin-" + replication.group()).start(() -> {
            log.warn("replication group {}: member {} is not in the group's configuration yet; it waits for the"
                    + " leader to add it", replication.group(), self);
            node.leave(group.getGroupId());
            MetadataStateMachine fresh = new MetadataStateMachine(store, this, files);
            try {
                joinAgain(RaftGroup.valueOf(group.getGroupId()), fresh);
            } catch (MetadataException e) {
                log.error("replication group {}: member {} cannot join again: {}", replication.group(), self,
                        e.getMessage());
            }
        });
    }

    /** Every member derives the same Ratis group ID from the group's name. */
    static RaftGroupId groupId(String group) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("regatta-group:" + group).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Joins the group: recovers this member's log, applies it, and takes part in elections. A member that stopped
     * while it led, with changes the group may never have committed, does not stand for election: it copies the
     * store of the member that leads instead ({@link #rebuild}).
     */
    void start() {
        mustRebuild = Files.exists(unconfirmed);
        if (mustRebuild && replication.members().size() == 1) {
            // A group of one has no other store to copy: its log is the group's, applied again from its snapshot.
            log.warn("replication group {}: member {}, the group's only one, stopped while it led; changes it applied"
                    + " and had not yet handed to its log may remain in its store", replication.group(), self);
            mustRebuild = false;
            confirmed();
        }
        if (mustRebuild) {
            log.warn("replication group {}: member {} stopped while it led, and its store may hold changes the group"
                    + " never committed ({} is there): it does not stand for election, and copies the leader's store"
                    + " once another member leads", replication.group(), self, unconfirmed);
        }
        node.join(group, machine);
        if (mustRebuild) {
            pauseElections();
        }
    }

    /** Another member leads now: a member that must rebuild its store copies that member's. */
    void anotherLeads(RaftPeerId leader) {
        if (mustRebuild && leader != null && !leader.equals(server.getId()) && !closed) {
            rebuild(leader);
        }
    }

    /** Keeps this member from standing for election (it still votes), until it leaves the group's division. */
    private void pauseElections() {
        server.leaderElectionManagementAsync(LeaderElectionManagementRequest.newPause(clientId, server.getId(),
                group.getGroupId(), callIds.incrementAndGet())).whenComplete((r, failure) -> {
                    if (failure != null || !r.isSuccess()) {
                        log.warn("replication group {}: member {} could not stop standing for election: {}",
                                replication.group(), self, failure != null ? failure : r.getException());
                    }
                });
    }

    /**
     * Replaces this member's store with a copy of {@code leader}'s, and with it the changes it applied that the group
     * never committed. It stays in the group's division, voting and taking entries into its log (it counts towards
     * the group's majority, which a group that lost another member needs), while applying waits ({@link #applyGate}):
     * the copy ({@link StoreCopy}, asking whichever member leads if {@code leader} no longer does) empties the store
     * and fills it as of the leader's committed entry; applying then goes on from where it stopped, entries the copy
     * already holds applied again without effect (absolute puts and deletes, positional file changes). Entries of
     * its own last leadership are applied like anyone's from then on. Until the copy is whole the marker stays, so a
     * stop in between starts it again.
     */
    private void rebuild(RaftPeerId leader) {
        if (!rebuilding.compareAndSet(false, true)) {
            return;
        }
        List<RaftPeer> others;
        try {
            others = server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers().stream()
                    .filter(p -> !p.getId().equals(server.getId())).toList();
        } catch (IOException e) {
            rebuilding.set(false);
            return; // left the group
        }
        Thread.ofPlatform().daemon().name("regatta-replication-rebuild-" + replication.group()).start(() -> {
            applyGate.lock();
            try {
                log.warn("replication group {}: member {} copies the store of leader {} in place of its own, which may"
                        + " hold changes the group never committed", replication.group(), self, leader);
                while (!closed) {
                    try {
                        TermIndex at = copyFrom(RaftGroup.valueOf(group.getGroupId(), others), leader);
                        epoch = 0; // entries of its last leadership are applied like anyone's now
                        mustRebuild = false;
                        Files.deleteIfExists(unconfirmed);
                        resumeElections();
                        log.info("replication group {}: member {} holds the leader's store as of log index {} and"
                                + " applies the group's log again", replication.group(), self, at);
                        return;
                    } catch (IOException | MetadataException e) {
                        if (closed) {
                            return;
                        }
                        log.warn("replication group {}: member {} could not copy the leader's store ({}); it tries"
                                + " again in 2 s", replication.group(), self, e.getMessage());
                        Thread.sleep(2000);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                applyGate.unlock();
                rebuilding.set(false);
            }
        });
    }

    /** Held while an entry is applied, and by a rebuild while it copies the leader's store. */
    ReentrantLock applyGate() {
        return applyGate;
    }

    /** Lets this member stand for election again. */
    private void resumeElections() {
        server.leaderElectionManagementAsync(LeaderElectionManagementRequest.newResume(clientId, server.getId(),
                group.getGroupId(), callIds.incrementAndGet())).whenComplete((r, failure) -> {
                    if (failure != null || !r.isSuccess()) {
                        log.warn("replication group {}: member {} could not stand for election again: {}",
                                replication.group(), self, failure != null ? failure : r.getException());
                    }
                });
    }

    /**
     * Joins the group again with {@code fresh} as this member's state machine (told by the group that it is not in
     * its configuration yet), unless the log closed meanwhile (its close leaves the group: a join after it would leave
     * a division behind); returns whether it joined.
     */
    private synchronized boolean joinAgain(RaftGroup with, MetadataStateMachine fresh) {
        if (closed) {
            return false;
        }
        machine = fresh;
        node.join(with, fresh);
        return true;
    }

    /** Marks, durably, that this member's store may from now on hold changes the group has not committed yet. */
    private void markUnconfirmed() {
        try {
            Files.writeString(unconfirmed, "member " + self + " leads replication group " + replication.group()
                    + " and applies changes before the group commits them\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
                    StandardOpenOption.SYNC);
            try (FileChannel directory = FileChannel.open(unconfirmed.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new MetadataException("cannot write " + unconfirmed, e);
        }
    }

    /** Everything this member wrote while it led is in the group's log: its store holds nothing the group lacks. */
    private boolean allConfirmed() {
        lock.lock();
        try {
            return durable >= lastWritten && refusedFrom == Long.MAX_VALUE;
        } finally {
            lock.unlock();
        }
    }

    private void confirmed() {
        try {
            Files.deleteIfExists(unconfirmed);
        } catch (IOException e) {
            log.warn("replication group {}: cannot delete {}: {}", replication.group(), unconfirmed, e.toString());
        }
    }

    @Override
    public long written(WriteBatch batch, List<FileOp> fileOps) {
        if (closed) {
            throw new MetadataException("the metadata store is closed", null);
        }
        byte[] data;
        try {
            data = batch.data();
        } catch (RocksDBException e) {
            throw refuse(lastWritten + 1, new MetadataException("cannot read a transaction's batch", e));
        }
        long position = lastWritten + 1;
        int length = 8 + 4 + data.length + 4;
        for (FileOp op : fileOps) {
            length += op.encodedLength();
        }
        ByteBuffer record = ByteBuffer.allocate(length).putLong(position).putInt(data.length).put(data)
                .putInt(fileOps.size());
        for (FileOp op : fileOps) {
            op.encodeTo(record);
        }
        record.flip();
        outstanding.acquireUninterruptibly();
        lastWritten = position;
        synchronized (entries) {
            queued.add(new Queued(position, epoch, record));
            if (entriesInFlight < ENTRIES_IN_FLIGHT) {
                // Handed on here, on the writer's thread and under the store's lock, so that entries follow the
                // order of positions; Ratis appends to the leader's log before it returns.
                MetadataException refused = sendQueued();
                if (refused != null) {
                    throw refused;
                }
            }
        }
        return position;
    }

    /**
     * Makes the next entry of what waits and hands it to Ratis (under {@link #entries}).
     *
     * @return why the group refused it at once, or null
     */
    private MetadataException sendQueued() {
        if (!queued.isEmpty() && queued.peek().epoch() != epoch) {
            // Written while this member led before: that leadership is over, and so is the entry's chance. The
            // member applied them already and must not take writes on top (see refuse).
            long first = queued.peek().position();
            outstanding.release(queued.size());
            queued.clear();
            return refuse(first, new MetadataException("changes written while member " + self + " led before were "
                    + "not handed to the replication group before it lost the lead", null));
        }
        List<Queued> taken = new ArrayList<>();
        int length = 1 + 8 + 4;
        while (!queued.isEmpty() && (taken.isEmpty() || length + queued.peek().record().remaining() <= ENTRY_BYTES)) {
            Queued q = queued.poll();
            taken.add(q);
            length += q.record().remaining();
        }
        if (taken.isEmpty()) {
            return null;
        }
        ByteBuffer entry = ByteBuffer.allocate(length).put(METADATA_BATCHES).putLong(epoch).putInt(taken.size());
        for (Queued q : taken) {
            entry.put(q.record());
        }
        entry.flip();
        long first = taken.getFirst().position();
        long last = taken.getLast().position();
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(server.getId())
                .setGroupId(group.getGroupId())
                .setCallId(first)
                .setMessage(Message.valueOf(ByteString.copyFrom(entry)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = submitter.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            outstanding.release(taken.size());
            return refuse(first, new MetadataException("cannot hand a change to the replication group", e));
        }
        entriesInFlight++;
        reply.whenComplete((r, failure) -> {
            outstanding.release(taken.size());
            if (failure == null && r.isSuccess()) {
                durableUpTo(last);
            } else {
                refuse(first, new MetadataException("the replication group did not take a change of member "
                        + self + ": " + (failure != null ? failure : r.getException()), failure));
            }
            try {
                next.execute(this::entryAnswered);
            } catch (RejectedExecutionException e) {
                // closed
            }
        });
        return null;
    }

    /** An entry was answered: what waited meanwhile goes as the next one. */
    private void entryAnswered() {
        synchronized (entries) {
            entriesInFlight--;
            if (!queued.isEmpty()) {
                sendQueued();
            }
        }
    }

    /** What this member answers a member that copies its store. */
    StoreCopy.Source copies() {
        return copies;
    }

    /**
     * A view of the store at a committed entry, for a copy: taken while no transaction is written, once every one
     * written before is committed, so that the store holds exactly the log through its last committed entry (this
     * member applied every earlier term's entries before it took writes).
     */
    private StoreCopy.Point openCopy() {
        return store.exclusive(() -> {
            if (!writable()) {
                throw new MetadataException("member " + self + " does not lead replication group "
                        + replication.group() + " now: a copy comes from the leader", null);
            }
            awaitDurableWithin(lastWritten, COPY_QUIESCE);
            RaftLog raftLog;
            try {
                raftLog = server.getDivision(group.getGroupId()).getRaftLog();
            } catch (IOException e) {
                throw new MetadataException("member " + self + " left replication group " + replication.group(), e);
            }
            long committed = raftLog.getLastCommittedIndex();
            TermIndex at = raftLog.getTermIndex(committed);
            SnapshotInfo snapshot = machine.getLatestSnapshot();
            if (at == null && snapshot != null && snapshot.getIndex() == committed) {
                at = snapshot.getTermIndex(); // the entry went with the log behind the snapshot
            }
            if (at == null) {
                throw new MetadataException("member " + self + " cannot find the term of its committed entry "
                        + committed, null);
            }
            return new StoreCopy.Point(store.openView(), at);
        });
    }

    /**
     * Replaces this member's store and files with a copy from {@code leader} (this member is behind the start of the
     * leader's log); returns the log entry the copy stands at.
     */
    TermIndex copyFrom(RaftPeer leader) throws IOException {
        return copyFrom(RaftGroup.valueOf(group.getGroupId(), leader), leader.getId());
    }

    /** As above, asking {@code leader} of {@code members} first, and whichever of them leads if it does not. */
    private TermIndex copyFrom(RaftGroup members, RaftPeerId leader) throws IOException {
        try (RaftClient client = node.client(members, leader)) {
            return StoreCopy.install(store, files, request -> {
                if (closed) {
                    throw new IOException("the metadata store is closing");
                }
                RaftClientReply reply = client.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(request)));
                if (!reply.isSuccess()) {
                    throw new IOException("leader " + reply.getServerId() + " refused a piece of the copy: "
                            + reply.getException(), reply.getException());
                }
                return reply.getMessage().getContent().asReadOnlyByteBuffer();
            });
        }
    }

    /** Every member needs the bytes clients wrote: whichever leads next serves them. */
    @Override
    public boolean carriesFiles() {
        return true;
    }

    @Override
    public long lastWritten() {
        return lastWritten;
    }

    @Override
    public long appliedIndex() {
        return machine.lastAppliedIndex();
    }

    @Override
    public long term() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return 0; // not joined yet, or left
        }
    }

    @Override
    public boolean writable() {
        return writable && !closed;
    }

    /** The epoch whose entries this member has applied already, as their writer. */
    long ownEpoch() {
        return epoch;
    }

    @Override
    public void awaitDurable(long position) {
        if (durable >= position) {
            return;
        }
        CompletableFuture<Void> done;
        lock.lock();
        try {
            if (durable >= position) {
                return;
            }
            if (closed) {
                throw new MetadataException("the metadata store is closed", null);
            }
            if (position >= refusedFrom) {
                throw refusal;
            }
            done = waiters.add(position);
        } finally {
            lock.unlock();
        }
        PositionWaiters.await(done);
    }

    /** Like {@link #awaitDurable}, for at most {@code timeout}. */
    private void awaitDurableWithin(long position, Duration timeout) {
        CompletableFuture<Void> done;
        lock.lock();
        try {
            if (durable >= position) {
                return;
            }
            if (position >= refusedFrom) {
                throw refusal;
            }
            done = waiters.add(position);
        } finally {
            lock.unlock();
        }
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new MetadataException("the changes written so far were not committed within " + timeout, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof MetadataException m ? m
                    : new MetadataException("the changes written so far were not committed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataException("interrupted while waiting for the changes written so far", e);
        }
    }

    private void durableUpTo(long position) {
        lock.lock();
        try {
            // The group commits a prefix of its log: an answered entry means every earlier one is held too.
            durable = Math.max(durable, position);
            waiters.answerUpTo(durable, null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The group will not hold {@code position} (this member lost the lead, or Ratis refused the entry): it and every
     * later position fail, and the member stops taking writes. What it applied beyond the group's log stays in its
     * database; a member in that state must be rebuilt from the group before it serves again.
     */
    private MetadataException refuse(long position, MetadataException why) {
        lock.lock();
        try {
            writable = false;
            if (position < refusedFrom) {
                if (refusedFrom == Long.MAX_VALUE) {
                    log.warn("replication group {}: member {} wrote changes from position {} on that the group did"
                            + " not take ({}); it takes no more writes until it leads again", replication.group(),
                            self, position, why.getMessage());
                }
                refusedFrom = position;
                refusal = why;
            }
            waiters.failFrom(refusedFrom, refusal);
            return refusal;
        } finally {
            lock.unlock();
        }
    }

    /**
     * This member's leadership is ready (its first entry of the term is committed): once it has applied every entry
     * before, it resumes the store's counters from them and takes writes.
     */
    void leaderReady() {
        long term;
        long committed;
        try {
            RaftServer.Division division = server.getDivision(group.getGroupId());
            term = division.getInfo().getCurrentTerm();
            committed = division.getRaftLog().getLastCommittedIndex();
        } catch (IOException e) {
            log.warn("replication group {}: member {} leads but cannot read its log's state: {}",
                    replication.group(), self, e.toString());
            return;
        }
        Thread.ofPlatform().daemon().name("regatta-replication-lead-" + replication.group()).start(() -> {
            long warnAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!closed && leads(term) && machine.lastAppliedIndex() < committed) {
                if (System.nanoTime() > warnAt) {
                    log.warn("replication group {}: member {} leads in term {} but has applied the log only through"
                                    + " {} of {}; it takes writes once it has applied the rest", replication.group(),
                            self, term, machine.lastAppliedIndex(), committed);
                    warnAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                }
                sleepBriefly();
            }
            if (closed || !leads(term)) {
                return;
            }
            try {
                RaftServer.Division division = server.getDivision(group.getGroupId());
                submitter = division instanceof RaftClientAsynchronousProtocol direct ? direct : server;
            } catch (IOException e) {
                log.warn("replication group {}: member {} leads but its division is gone: {}", replication.group(),
                        self, e.toString());
                return;
            }
            if (mustRebuild) {
                log.warn("replication group {}: member {} was elected but its store may hold changes the group never"
                        + " committed: it steps down", replication.group(), self);
                stepDown();
                return;
            }
            markUnconfirmed();
            store.resumeAsWriter();
            lock.lock();
            try {
                epoch = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
                refusedFrom = Long.MAX_VALUE;
                refusal = null;
                writable = true;
                leading = true;
            } finally {
                lock.unlock();
            }
            log.info("replication group {}: member {} leads in term {} and takes writes (log applied through {})",
                    replication.group(), self, term, committed);
            matchWanted();
            Leadership l = listener;
            if (l != null) {
                l.leading();
            }
        });
    }

    /** Another member leads now, or none does: this one takes no writes. */
    void leadershipLost(RaftPeerId newLeader) {
        if (!leading) {
            return;
        }
        leading = false;
        writable = false;
        long unacknowledged = lastWritten - durable;
        log.info("replication group {}: member {} no longer leads (leader now {}); {} of its changes were not yet"
                        + " acknowledged by the group", replication.group(), self,
                newLeader == null ? "unknown" : newLeader, unacknowledged);
        if (allConfirmed()) {
            confirmed();
        } else {
            // What it applied and the group did not acknowledge may never be committed: until it holds a copy of the
            // leader's store it must not lead again.
            mustRebuild = true;
            pauseElections();
        }
        Leadership l = listener;
        if (l != null) {
            l.following();
        }
    }

    /** A listener set after this member began to lead hears of it at once; one told twice ignores the second. */
    @Override
    public void onLeadership(Leadership leadership) {
        listener = leadership;
        if (writable()) {
            leadership.leading();
        }
    }

    private boolean leads(long term) {
        try {
            RaftServer.Division division = server.getDivision(group.getGroupId());
            return division.getInfo().isLeader() && division.getInfo().getCurrentTerm() == term;
        } catch (IOException e) {
            return false;
        }
    }

    /** Hands the lead back to the group: another member stands for election. */
    private void stepDown() {
        try {
            server.transferLeadershipAsync(new TransferLeadershipRequest(clientId, server.getId(), group.getGroupId(),
                    callIds.incrementAndGet(), null, 5000));
        } catch (IOException e) {
            log.warn("replication group {}: member {} could not step down: {}", replication.group(), self,
                    e.toString());
        }
    }

    /** The group's name. */
    String group() {
        return replication.group();
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves the group: the division stops (its apply thread with it) before the store closes its database. */
    @Override
    public void close() {
        synchronized (this) { // after a join again under way, before any other (joinAgain)
            if (closed) {
                return;
            }
            closed = true;
        }
        writable = false;
        if (leading && allConfirmed()) {
            confirmed(); // a clean stop of the leader: the next start need not copy anything
        }
        next.shutdownNow();
        copies.close();
        node.leave(group.getGroupId());
        lock.lock();
        try {
            waiters.answerUpTo(Long.MAX_VALUE, new MetadataException("the metadata store is closed", null));
        } finally {
            lock.unlock();
        }
    }
}
