package dev.regatta.dataplane.node;

import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This data plane as a node of the control plane: registers once (or reuses the identity in its data directory),
 * then heartbeats, reporting each served file system and pulling the full assignment, which the
 * {@link Reconciler} applies and the {@link GrantBook} reflects.
 *
 * <p>When the control plane cannot be reached, everything assigned stays served, and heartbeats are retried with a
 * growing delay; each change of state is logged once, not each retry. A 401 on a heartbeat means the control
 * plane forgot the node (or its token is wrong): the node registers anew.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** Retries never wait longer: the control plane counts a node silent for 45 s as down. */
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Heartbeats asked for out of turn come no closer together than this, however often they are asked for. */
    private static final Duration MIN_ON_DEMAND_GAP = Duration.ofSeconds(1);

    private final ControlPlaneSettings settings;
    private final NodeFacts facts;
    private final FileSystemHost host;
    private final IdentityStore identities;
    private final AssignmentStore assignments;
    private final ControlPlaneClient client;
    private final Reconciler reconciler;
    private final AssignedGrants grants;
    private final Consumer<IdentityFiles> identityChanged;
    private final Thread thread;
    private volatile boolean running = true;
    /** Guards the two fields below; the agent's thread waits on it between heartbeats. */
    private final Object schedule = new Object();
    private boolean heartbeatAsked;
    /** Completed when the next heartbeat has been answered or has failed. */
    private CompletableFuture<Void> nextHeartbeat = new CompletableFuture<>();
    private volatile NodeIdentity identity;
    private Duration interval = DEFAULT_INTERVAL;
    /** The last outcome logged, so that a state is logged when entered rather than on every retry. */
    private String state = "starting";
    private int failures;

    private NodeAgent(ControlPlaneSettings settings, NodeFacts facts, Path dir, FileSystemHost host,
                      AssignedGrants grants, Consumer<IdentityFiles> identityChanged) {
        this.settings = settings;
        this.grants = grants;
        this.facts = facts;
        this.host = host;
        this.identities = new IdentityStore(dir);
        this.assignments = new AssignmentStore(dir);
        this.client = new ControlPlaneClient(settings.urls());
        this.reconciler = new Reconciler(host);
        this.identityChanged = identityChanged;
        this.thread = Thread.ofPlatform().daemon().name("regatta-node-agent").unstarted(this::run);
    }

    /**
     * @param facts   this node's addresses and zone, sent at registration and with each heartbeat
     * @param dir     where the node identity and the last assignment are kept ({@code <data-dir>/node})
     * @param grants  kept up to date with each assignment
     * @param identityChanged told when the node's identity files in {@code dir} are first found or replaced by a new
     *                        registration (the TLS front and the replication groups serve with them): on the agent's
     *                        thread, or on the caller's before this returns when a saved assignment is served at once
     *                        (its groups need the node's certificate before they start)
     * @throws IllegalArgumentException when the node has no identity yet and no bootstrap token to get one
     */
    public static NodeAgent start(ControlPlaneSettings settings, NodeFacts facts, Path dir, FileSystemHost host,
                                  AssignedGrants grants, Consumer<IdentityFiles> identityChanged) {
        for (URI url : settings.urls()) {
            String scheme = url.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("the control plane URL must start with http:// or https://, not '"
                        + url + "'");
            }
        }
        NodeAgent agent = new NodeAgent(settings, facts, dir, host, grants, identityChanged);
        if (!agent.identities.exists() && blank(settings.bootstrapToken())) {
            throw new IllegalArgumentException("this node has no identity in " + dir + " yet, and no bootstrap "
                    + "token to register with: give --bootstrap-token-file, REGATTA_BOOTSTRAP_TOKEN or "
                    + "--bootstrap-token");
        }
        // What was last assigned was assigned to the identity kept beside it.
        agent.identities.load().ifPresent(saved -> agent.assignments.load().filter(last -> !last.isEmpty())
                .ifPresent(last -> {
                    log.info("serving the {} file systems last assigned to this node until the control plane "
                            + "answers", last.size());
                    // Their replication groups speak TLS with the node's certificate: announced first.
                    agent.identity = saved;
                    agent.announceIdentity();
                    agent.accept(last, saved.nodeId());
                }));
        grants.refreshWith(agent::heartbeatNow);
        host.onStatusChange(agent::heartbeatNow);
        agent.thread.start();
        return agent;
    }

    /** The node's credential files, present once {@code identityChanged} was first told. */
    public IdentityFiles identityFiles() {
        return identities.files();
    }

    public GrantBook grants() {
        return grants;
    }

    /** The node ID the control plane gave, once registered. */
    public Optional<String> nodeId() {
        return Optional.ofNullable(identity).map(NodeIdentity::nodeId);
    }

    /**
     * Asks for a heartbeat now rather than at the interval, for news the node cannot wait for: a mount whose grant
     * it has not heard of yet. Heartbeats asked for together are one heartbeat, and they are at least
     * {@link #MIN_ON_DEMAND_GAP} apart.
     *
     * @return completed once that heartbeat has been answered or has failed
     */
    public CompletableFuture<Void> heartbeatNow() {
        synchronized (schedule) {
            heartbeatAsked = true;
            schedule.notifyAll();
            return nextHeartbeat;
        }
    }

    private void run() {
        while (running) {
            CompletableFuture<Void> thisHeartbeat;
            synchronized (schedule) {
                thisHeartbeat = nextHeartbeat;
                nextHeartbeat = new CompletableFuture<>();
                heartbeatAsked = false;
            }
            long started = System.nanoTime();
            Duration wait;
            try {
                beat();
                wait = interval;
            } catch (ControlPlaneException e) {
                if (!running) {
                    return; // interrupted by close(), not a control plane problem
                }
                wait = failed(e.kind().name(), e.getMessage(), e.kind() == ControlPlaneException.Kind.UNREACHABLE);
            } catch (RuntimeException e) {
                log.debug("node agent cycle failed", e);
                wait = failed(e.getClass().getSimpleName(), e.getMessage(), false);
            } finally {
                thisHeartbeat.complete(null);
            }
            try {
                awaitNextHeartbeat(started, wait);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits until {@code wait} after {@code started}, or until a heartbeat is asked for (but not too soon). */
    private void awaitNextHeartbeat(long started, Duration wait) throws InterruptedException {
        long due = started + wait.toNanos();
        long earliest = started + MIN_ON_DEMAND_GAP.toNanos();
        synchronized (schedule) {
            while (running) {
                long now = System.nanoTime();
                long until = heartbeatAsked ? Math.min(due, earliest) : due;
                if (now - until >= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(schedule, until - now);
            }
        }
    }

    /** One heartbeat, registering first when the node has no identity or the control plane no longer knows it. */
    private void beat() throws ControlPlaneException {
        if (identity == null) {
            identity = identities.load().orElse(null);
            if (identity != null) {
                announceIdentity();
            }
        }
        if (identity == null) {
            identity = register();
            announceIdentity();
        }
        NodeMessages.HeartbeatRequest report = new NodeMessages.HeartbeatRequest(host.reports(), facts.nfsAddress(),
                facts.replicationAddress(), facts.zone());
        NodeMessages.HeartbeatAnswer answer;
        try {
            answer = client.heartbeat(identity.nodeId(), identity.nodeToken(), report);
        } catch (ControlPlaneException e) {
            if (e.kind() != ControlPlaneException.Kind.UNAUTHORIZED) {
                throw e;
            }
            log.error("the control plane refused the heartbeat of node {} ({}): the node was removed there, or its "
                    + "token is wrong; registering anew", identity.nodeId(), e.getMessage());
            identities.clear();
            identity = null;
            identity = register();
            announceIdentity();
            answer = client.heartbeat(identity.nodeId(), identity.nodeToken(), report);
        }
        if (answer.heartbeatIntervalSeconds() > 0) {
            interval = Duration.ofSeconds(answer.heartbeatIntervalSeconds());
        }
        accept(answer.fileSystems(), identity.nodeId());
        assignments.save(answer.fileSystems());
        if (!state.equals("connected")) {
            if (failures > 0) {
                log.info("the control plane at {} answers again (after {} failed attempts); node {} serves {} file "
                        + "systems", client.baseUrl(), failures, identity.nodeId(), answer.fileSystems().size());
            } else {
                log.info("node {} heartbeats to {} every {} s; {} file systems assigned", identity.nodeId(),
                        client.baseUrl(), interval.toSeconds(), answer.fileSystems().size());
            }
            state = "connected";
        }
        failures = 0;
    }

    private void announceIdentity() {
        try {
            identityChanged.accept(identities.files());
        } catch (RuntimeException e) {
            log.error("node {}: cannot use its identity in {} for the TLS front: {}", identity.nodeId(),
                    identities.dir(), e.getMessage(), e);
        }
    }

    private NodeIdentity register() throws ControlPlaneException {
        if (blank(settings.bootstrapToken())) {
            throw new IllegalStateException("the node must register again but has no bootstrap token; give one "
                    + "(--bootstrap-token-file, REGATTA_BOOTSTRAP_TOKEN) and restart it");
        }
        KeyPair keys = KeyMaterial.generate();
        NodeMessages.Registration r;
        try {
            r = client.register(settings.bootstrapToken(), new NodeMessages.RegistrationRequest(settings.nodeName(),
                    facts.address(), KeyMaterial.certificateRequest(keys, settings.nodeName()), facts.nfsAddress(),
                    facts.replicationAddress(), facts.zone()));
        } catch (ControlPlaneException e) {
            if (e.kind() == ControlPlaneException.Kind.UNAUTHORIZED) {
                throw new ControlPlaneException(e.kind(), "the control plane refused the bootstrap token; give "
                        + "this node a current one. " + e.getMessage(), e);
            }
            throw e;
        }
        try {
            if (!KeyMaterial.certifies(Pem.certificate(r.certificate()), keys.getPublic())) {
                throw new ControlPlaneException(ControlPlaneException.Kind.REFUSED,
                        "the node certificate the control plane issued is not for this node's key", null);
            }
        } catch (CertificateException e) {
            throw new ControlPlaneException(ControlPlaneException.Kind.REFUSED,
                    "the node certificate the control plane issued cannot be read: " + e.getMessage(), e);
        }
        NodeIdentity registered = new NodeIdentity(r.nodeId(), r.nodeToken(), keys.getPrivate(), r.certificate(),
                r.caCertificates() == null ? List.of() : r.caCertificates());
        identities.save(registered);
        if (r.heartbeatIntervalSeconds() > 0) {
            interval = Duration.ofSeconds(r.heartbeatIntervalSeconds());
        }
        log.info("registered with the control plane at {} as node {} (name {}, address {}, zone {}); identity in {}",
                client.baseUrl(), r.nodeId(), settings.nodeName(), facts.address(),
                facts.zone() == null ? "unknown" : facts.zone(), identities.dir());
        return registered;
    }

    private void accept(List<AssignedFileSystem> assignment, String nodeId) {
        grants.replace(assignment);
        reconciler.apply(assignment, nodeId);
    }

    /** Logs the failure if it is a new state, and says how long to wait before the next attempt. */
    private Duration failed(String kind, String message, boolean unreachable) {
        failures++;
        if (!state.equals(kind)) {
            if (unreachable) {
                log.warn("the control plane is unreachable ({}); the file systems assigned here stay served; "
                        + "retrying with backoff", message);
            } else {
                log.error("node agent: {}; retrying with backoff", message);
            }
            state = kind;
        }
        long factor = 1L << Math.min(failures - 1, 10);
        Duration backoff = interval.multipliedBy(factor);
        return backoff.compareTo(MAX_BACKOFF) > 0 ? (interval.compareTo(MAX_BACKOFF) > 0 ? interval : MAX_BACKOFF)
                : backoff;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Stops heartbeating; the file systems stay served until the data plane closes them. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reconciler.close();
    }
}
