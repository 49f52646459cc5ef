package dev.regatta.dataplane.meta;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
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
        files.syncChanged();
        store.flush();
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        try (FileChannel out = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(("metadata store flushed through log index " + last.getIndex() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), last));
        return last.getIndex();
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
     * the log's start would need a copy of the store, which members do not send each other yet.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto role, TermIndex first) {
        if (first.getIndex() <= lastAppliedIndex() + 1) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(new IOException("member " + getId() + " is behind the group's log"
                + " (which starts at " + first + "; this member applied through " + lastAppliedIndex() + ") and"
                + " would need a copy of the metadata store, which this version does not send"));
    }
}
