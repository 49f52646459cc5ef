package dev.regatta.dataplane.meta;

import dev.regatta.tunnel.tls.MemberTls;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * This node's member in every replication group it belongs to: one Apache Ratis server, on one port, with a
 * division per group (a file system's store joins with {@link #join} and leaves with {@link #leave}), as one
 * datanode of Apache Ozone carries all its pipelines. One port for the operator to open, and one set of gRPC
 * threads however many file systems the node holds.
 *
 * <p>Each group's log lives in {@code <storage>/<group UUID>/} while its file system is open here. Ratis opens every
 * group it finds there when the server starts, and fails to start when one has no state machine yet (its store opens
 * only with its file system); so the server, before it starts, moves the groups' directories to
 * {@code <storage>/parked/} (an atomic rename, which Ratis's scan passes over), and a group's directory moves back
 * when its file system joins.
 */
public final class ReplicationServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationServer.class);

    /** Entries handed to Ratis and not answered yet, per group; a writer waits beyond this. */
    static final int MAX_OUTSTANDING = 2048;
    /**
     * The largest log entry Ratis takes (its appender's buffer, which one entry must fit in): set here, not left to
     * Ratis's default, because {@link ReplicatedLog#ENTRY_BYTES} is derived from it.
     */
    static final int APPENDER_BUFFER_BYTES = 4 << 20;
    /** Log entries kept behind a snapshot, so that a member a little behind catches up from the log, not a copy. */
    private static final long PRESERVED_ENTRIES = 100_000;

    private final String name;
    private final Path storage;
    private final Path parked;
    private final String host;
    private final int port;
    private final RaftServer server;
    /** What members speak to each other over (mutual TLS), or null in the clear. */
    private final GrpcTlsConfig tls;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    /** The state machine of each group joined; Ratis asks for it when the group is added. */
    private final Map<RaftGroupId, StateMachine> machines = new ConcurrentHashMap<>();

    /**
     * @param name            this node's name in every group (the members list it by it)
     * @param host            where the server listens (and what the other members are told)
     * @param port            the server's port
     * @param storage         where each group's log lives
     * @param electionTimeout how long a follower waits without hearing from a leader before it stands for election
     *                        (at most twice this)
     */
    public ReplicationServer(String name, String host, int port, Path storage, Duration electionTimeout) {
        this(name, host, port, storage, electionTimeout, null);
    }

    /**
     * As above, speaking TLS with the other members: each presents its node certificate and accepts theirs when the
     * control plane's CA issued it ({@link MemberTls}); a member without it is not heard.
     *
     * @param tls the node's credentials, or null to speak in the clear (a group without a control plane)
     */
    public ReplicationServer(String name, String host, int port, Path storage, Duration electionTimeout,
                             MemberTls tls) {
        this(name, host, port, storage, electionTimeout, tls, p -> {
        });
    }

    /** As above, with Ratis's settings changed by {@code tuning} last (tests: a log that goes behind snapshots soon). */
    ReplicationServer(String name, String host, int port, Path storage, Duration electionTimeout, MemberTls tls,
                      Consumer<RaftProperties> tuning) {
        if (electionTimeout.isNegative() || electionTimeout.isZero()) {
            throw new IllegalArgumentException("the election timeout must be positive: " + electionTimeout);
        }
        this.name = name;
        this.tls = tls == null ? null : new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), true);
        this.storage = storage;
        this.parked = storage.resolve("parked");
        this.host = host;
        this.port = port;
        try {
            Files.createDirectories(parked);
            park(storage, parked);
            this.server = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(name))
                    .setProperties(tuned(properties(host, port, storage, electionTimeout), tuning))
                    .setParameters(parameters())
                    .setStateMachineRegistry(group -> {
                        StateMachine machine = machines.get(group);
                        if (machine == null) {
                            throw new IllegalStateException("group " + group + " is opened when its file system"
                                    + " starts on this node");
                        }
                        return machine;
                    })
                    .build();
        } catch (IOException e) {
            throw new MetadataException("cannot set up this node's replication server (member " + name + " on "
                    + host + ":" + port + ", logs in " + storage + ")", e);
        }
    }

    /** Moves every group directory in {@code storage} to {@code parked}, where Ratis's scan at start passes over it. */
    private static void park(Path storage, Path parked) throws IOException {
        try (var children = Files.list(storage)) {
            for (Path dir : children.filter(Files::isDirectory).toList()) {
                if (isGroupDirectory(dir)) {
                    Files.move(dir, parked.resolve(dir.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    private static boolean isGroupDirectory(Path dir) {
        try {
            UUID.fromString(dir.getFileName().toString());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static RaftProperties properties(String host, int port, Path storage, Duration electionTimeout) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(storage.toFile()));
        GrpcConfigKeys.Server.setHost(p, host);
        GrpcConfigKeys.Server.setPort(p, port);
        // A node shares two cores with its clients' work: a leader that misses a few heartbeats under a compile or a
        // GC pause is not dead, and an election costs a pause of every client.
        long min = electionTimeout.toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(min / 2, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Write.setElementLimit(p, 2 * MAX_OUTSTANDING);
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf("1GB"));
        // An entry carries a WRITE's bytes (an NFS client sends up to 1 MiB in one) beside its batch.
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
        // A snapshot is the store flushed to its files; the log behind it goes, but for a margin that lets a member
        // a little behind catch up from the log rather than copy the whole store (StoreCopy).
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 20_000);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, PRESERVED_ENTRIES);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPENDER_BUFFER_BYTES));
        // Ratis spaces a leader's requests to a follower at least this far apart, sleeping out the rest: with one
        // entry in flight (ReplicatedLog's group commit) that sleep only delays each round. Measured with one writer
        // in one JVM: p50 4.3 ms at zero, 5.6 ms at the default 1 ms.
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
        return p;
    }

    /** What Ratis takes as objects rather than settings: the gate in front of starting divisions, and TLS. */
    private Parameters parameters() {
        Parameters parameters = clientParameters();
        StartingDivisionGate gate = new StartingDivisionGate(() -> this.server);
        GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> builder.intercept(gate));
        return parameters;
    }

    /** TLS, for this node's connections to other members (and their ports) whatever their purpose. */
    private Parameters clientParameters() {
        Parameters parameters = new Parameters();
        if (tls != null) {
            GrpcConfigKeys.TLS.setConf(parameters, tls);
        }
        return parameters;
    }

    private static RaftProperties tuned(RaftProperties p, Consumer<RaftProperties> tuning) {
        tuning.accept(p);
        return p;
    }

    /**
     * A client of {@code group} asking {@code leader} first, for requests a member makes of another outside the log:
     * a copy of the store ({@link StoreCopy}). Each request waits up to 30 s (a copy's start waits for the leader's
     * changes on their way) and is tried three times.
     */
    RaftClient client(RaftGroup group, RaftPeerId leader) {
        RaftProperties p = new RaftProperties();
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
        return RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(group)
                .setLeaderId(leader)
                .setProperties(p)
                .setParameters(clientParameters())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
                        TimeDuration.valueOf(1, TimeUnit.SECONDS)))
                .build();
    }

    /** Starts listening; groups join afterwards. */
    public void start() {
        try {
            // Ratis ends the whole process when its port is taken (System.exit in its gRPC start): say so first.
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            }
            server.start();
        } catch (IOException e) {
            throw new MetadataException("cannot start this node's replication server (member " + name + ") on "
                    + address(), e);
        }
        log.info("replication server of member {} listens on {} ({})", name, address(),
                tls == null ? "in the clear: no control plane, so no node certificates" : "mutual TLS, node certificates");
    }

    /** This node's name in its groups. */
    public String name() {
        return name;
    }

    /** host:port, as the other members reach it. */
    public String address() {
        return host + ":" + port;
    }

    RaftServer server() {
        return server;
    }

    RaftPeerId self() {
        return server.getId();
    }

    /** Opens this member's division of {@code group}: recovers its log, applies it to {@code machine}, and votes. */
    void join(RaftGroup group, StateMachine machine) {
        machines.put(group.getGroupId(), machine);
        RaftClientReply reply;
        try {
            Path dir = parked.resolve(group.getGroupId().getUuid().toString());
            if (Files.exists(dir)) {
                Files.move(dir, storage.resolve(dir.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            }
            // Not formatted: a division whose log is on disk recovers it (a new one starts empty either way).
            reply = server.groupManagement(GroupManagementRequest.newAdd(clientId, server.getId(),
                    callIds.incrementAndGet(), group, false));
        } catch (IOException e) {
            machines.remove(group.getGroupId());
            throw new MetadataException("member " + name + " cannot join replication group " + group.getGroupId(), e);
        }
        if (!reply.isSuccess()) {
            machines.remove(group.getGroupId());
            throw new MetadataException("member " + name + " cannot join replication group " + group.getGroupId()
                    + ": " + reply.getException(), reply.getException());
        }
    }

    /** Closes this member's division of the group; its log stays on disk for the next {@link #join}. */
    void leave(RaftGroupId group) {
        try {
            RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(clientId, server.getId(),
                    callIds.incrementAndGet(), group, false, false));
            if (!reply.isSuccess()) {
                log.warn("member {} did not leave replication group {} cleanly: {}", name, group,
                        reply.getException());
            }
        } catch (IOException e) {
            log.warn("member {} did not leave replication group {} cleanly: {}", name, group, e.toString());
        } finally {
            machines.remove(group);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.warn("the replication server of member {} did not stop cleanly: {}", name, e.toString());
        }
    }
}
