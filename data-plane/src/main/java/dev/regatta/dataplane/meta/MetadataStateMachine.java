package dev.regatta.dataplane.meta;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a member of a replication group does with the group's committed log ({@link ReplicatedLog}): applies every
 * entry another member wrote to its cache files and its metadata store, in log order, and tells the log when this
 * member starts or stops leading. A snapshot is the changed cache files synced and the store flushed, with the last
 * applied log index recorded beside the log: after a restart the member applies the log from there (batches are
 * absolute puts and deletes and file changes are positional, so an entry applied twice in order changes nothing).
 * Snapshots are not sent by Ratis: a member behind the start of the leader's log copies the leader's store
 * ({@link StoreCopy}), which the leader answers here as read-only queries.
 */
final class MetadataStateMachine extends BaseStateMachine {

    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final MetadataStore store;
    private final ReplicatedLog replicated;
    private final FollowerFiles files;

    MetadataStateMachine(MetadataStore store, ReplicatedLog log, FollowerFiles files) {
        this.store = store;
        this.replicated = log;
        this.files = files;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot != null) {
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        // Running, so that Ratis can pause it to load a copy of the store (notifyInstallSnapshotFromLeader).
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** A copy of the leader's store was installed: this member stands at the copy's entry now. */
    @Override
    public void reinitialize() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot != null) {
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    long lastAppliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? RaftLog.INVALID_LOG_INDEX : last.getIndex();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        ByteBuffer b = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
        byte code = b.get();
        if (code != ReplicatedLog.METADATA_BATCH && code != ReplicatedLog.METADATA_BATCHES) {
            // A newer member wrote an entry this one does not know: applying past it would leave a hole.
            return CompletableFuture.failedFuture(new IllegalStateException("log entry " + entry.getIndex()
                    + " has code " + code + ", which this version of Regatta does not know"));
        }
        long epoch = b.getLong();
        int transactions = code == ReplicatedLog.METADATA_BATCH ? 1 : b.getInt();
        // Waits while a rebuild copies the leader's store in place of this member's (ReplicatedLog.rebuild).
        replicated.applyGate().lock();
        try {
            if (epoch != replicated.ownEpoch()) {
                for (int t = 0; t < transactions; t++) {
                    b.getLong(); // the writer's position: its own bookkeeping
                    byte[] batch = new byte[b.getInt()];
                    b.get(batch);
                    int count = b.getInt();
                    List<FileOp> ops = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        ops.add(FileOp.decode(b));
                    }
                    store.applyReplicated(batch, ops, files);
                }
            }
        } finally {
            replicated.applyGate().unlock();
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /** Runs on the apply thread, between entries: the store holds exactly the entries through the last applied. */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        replicated.applyGate().lock();
        try {
            files.syncChanged();
            store.flush();
        } finally {
            replicated.applyGate().unlock();
        }
        recordSnapshot(last);
        return last.getIndex();
    }

    /** Records beside the log that the store (flushed, its files synced) holds every entry through {@code last}. */
    private void recordSnapshot(TermIndex last) throws IOException {
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        try (FileChannel out = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(("metadata store flushed through log index " + last.getIndex() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), last));
    }

    /** The leader answers a member that copies its store ({@link StoreCopy}): Ratis sends it read-only requests. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            ByteBuffer reply = replicated.copies().answer(request.getContent().asReadOnlyByteBuffer());
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void notifyLeaderReady() {
        replicated.leaderReady();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        log.info("replication group {}: member {} sees {} lead now (applied through {})", replicated.group(),
                member.getPeerId(), newLeader == null ? "no member" : newLeader, lastAppliedIndex());
        if (!member.getPeerId().equals(newLeader)) {
            replicated.leadershipLost(newLeader);
            replicated.anotherLeads(newLeader);
        }
    }

    /**
     * Ratis stopped this member's division itself (not this node): the other members told it, standing for election,
     * that the group's configuration does not have it, which is what a new member that stands before the leader has
     * added it hears.
     */
    @Override
    public void notifyServerShutdown(RoleInfoProto role, boolean allServer) {
        if (!allServer) {
            replicated.stoppedByGroup();
        }
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pending) {
        replicated.leadershipLost(null);
    }

    /**
     * The leader offers a snapshot: always to a member that has just joined the group (Ratis asks a bootstrapping
     * member first), and to one behind the start of its log. When the leader's log still holds every entry after
     * what this member applied, none is needed: "unavailable" makes the leader send the log instead. A member behind
     * the log's start copies the leader's store ({@link StoreCopy}) on a thread of its own, while Ratis asks again
     * until the future completes; a failed copy is tried again at the leader's next offer.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto role, TermIndex first) {
        if (first.getIndex() <= lastAppliedIndex() + 1) {
            return CompletableFuture.completedFuture(null);
        }
        RaftPeer leader = RaftPeer.newBuilder()
                .setId(RaftPeerId.valueOf(role.getFollowerInfo().getLeaderInfo().getId().getId()))
                .setAddress(role.getFollowerInfo().getLeaderInfo().getId().getAddress())
                .build();
        CompletableFuture<TermIndex> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("regatta-replication-copy-" + replicated.group()).start(() -> {
            try {
                log.warn("replication group {}: member {} is behind the leader's log (which starts at {}; this member"
                        + " applied through {}): it copies the store of leader {}", replicated.group(), getId(),
                        first, lastAppliedIndex(), leader.getId());
                awaitLocalLogApplied();
                TermIndex at = replicated.copyFrom(leader);
                recordSnapshot(at);
                done.complete(at);
            } catch (Exception e) {
                log.warn("replication group {}: member {} could not copy the store of leader {} ({}); it tries again"
                        + " at the leader's next offer", replicated.group(), getId(), leader.getId(), e.toString());
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Waits until this member has applied every committed entry of its own log: the copy empties the store, and no
     * older entry may be applied on top of it.
     */
    private void awaitLocalLogApplied() throws IOException, InterruptedException {
        long committed = getServer().join().getDivision(getGroupId()).getRaftLog().getLastCommittedIndex();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (lastAppliedIndex() < committed) {
            if (System.nanoTime() > deadline) {
                throw new IOException("this member has applied its log through " + lastAppliedIndex() + " of "
                        + committed + " committed, not within 30 s");
            }
            Thread.sleep(10);
        }
    }
}
