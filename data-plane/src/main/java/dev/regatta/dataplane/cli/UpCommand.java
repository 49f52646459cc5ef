package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import dev.regatta.dataplane.server.FreePort;
import dev.regatta.pki.PrivateFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded default, in the foreground until Ctrl-C: a local S3 endpoint (S3Proxy over a directory) with a
 * bucket, the control plane on its embedded PostgreSQL, and the data plane registered with it as a node, serving
 * the demo file system the control plane assigns to it. With {@code --replicas 3} (or 5) the demo file system is
 * served by a replication group instead: that many nodes in child processes ({@link NodeProcess}), each with its
 * own data directory under the data directory, its own ports and a zone of its own. Everything lives in the data
 * directory, so a restart keeps it all: the bucket, the database, the tokens, the cache and unsynced changes. With
 * {@code --control-planes 2} (or more) further control planes run beside the first, over its embedded PostgreSQL
 * (issue 17: instances over one database answer alike); the nodes use the first's API.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local bucket, the control plane and a data-plane node serving the bucket, "
                + "and print how to mount.")
final class UpCommand implements Callable<Integer> {

    private static final Duration CONTROL_PLANE_START = Duration.ofMinutes(3);
    private static final Duration FIRST_ASSIGNMENT = Duration.ofMinutes(1);
    private static final Duration ADMIN_PASSWORD = Duration.ofSeconds(30);
    /** How long a node of a group that died stays down before up starts it again. */
    private static final Duration RESTART_DELAY = Duration.ofSeconds(5);

    @Mixin
    DataPlaneOptions options;

    @Option(names = "--s3-port", defaultValue = "${env:REGATTA_S3_PORT:-9000}",
            description = "Port of the local S3 endpoint (default: ${DEFAULT-VALUE}); ignored with --s3-endpoint.")
    int s3Port;

    @Option(names = "--api-port", defaultValue = "${env:REGATTA_API_PORT:-8080}",
            description = "Port of the control plane's API (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int apiPort;

    @Option(names = "--replicas", defaultValue = "${env:REGATTA_REPLICAS:-1}",
            description = "How many data-plane nodes serve the demo file system (default: ${DEFAULT-VALUE}, in this "
                    + "process). 3 or 5: a replication group of that many nodes in child processes, each with its own "
                    + "data directory (node-1, node-2, ... under --data-dir), its own ports and a zone of its own; "
                    + "the leader serves, and another member takes over within seconds when it dies.")
    int replicas;

    @Option(names = "--control-planes", defaultValue = "${env:REGATTA_CONTROL_PLANES:-1}",
            description = "How many control planes run (default: ${DEFAULT-VALUE}). The first runs the embedded "
                    + "PostgreSQL and listens on --api-port; each other one listens on a free port, uses the first's "
                    + "database and data directory (so the same CA, tokens and admin password) and logs to "
                    + "control-plane-N.log. Each prints its own api line. The nodes are given every one's URL and "
                    + "use the first that answers.")
    int controlPlanes;

    @Option(names = "--control-plane-jar", defaultValue = "${env:REGATTA_CONTROL_PLANE_JAR}",
            description = "The control plane's jar (./regatta sets it).")
    Path controlPlaneJar;

    @Override
    public Integer call() throws Exception {
        if (options.controlPlane != null) {
            throw new IllegalArgumentException("up starts its own control plane; use 'regatta data-plane "
                    + "--control-plane URL' to join an existing one");
        }
        if (replicas != 1 && replicas != 3 && replicas != 5) {
            throw new IllegalArgumentException("--replicas must be 1, 3 or 5, not " + replicas);
        }
        if (controlPlanes < 1) {
            throw new IllegalArgumentException("--control-planes must be at least 1, not " + controlPlanes);
        }
        if (controlPlaneJar == null) {
            throw new IllegalArgumentException("no control plane jar: run up through ./regatta, or give "
                    + "--control-plane-jar");
        }
        Path dataDir = options.dataDir.toAbsolutePath();
        PrivateFiles.privateDirectory(dataDir);
        options.dataDir = dataDir;
        Stack stack = new Stack();
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        try {
            stack.claim = DataDirectoryClaim.acquire(dataDir, ControlPlaneProcess.dataDirOf(dataDir));
            start(stack, dataDir);
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        stack.stopped.await();
        return 0;
    }

    private void start(Stack stack, Path dataDir) throws Exception {
        boolean localBucket = options.s3Endpoint == null;
        if (localBucket) {
            Properties credentials = LocalS3Command.credentials(dataDir);
            stack.s3 = LocalS3Endpoint.startFilesystem(dataDir.resolve("s3"), s3Port,
                    credentials.getProperty("access-key"), credentials.getProperty("secret-key"));
            stack.s3.createBucket(options.bucket);
            options.s3Endpoint = stack.s3.endpoint();
            options.s3AccessKey = stack.s3.accessKey();
            options.s3SecretKey = stack.s3.secretKey();
        }
        String adminToken = SecretFile.readOrCreate(dataDir.resolve("admin-token"), "rgt_");
        String bootstrapToken = SecretFile.readOrCreate(dataDir.resolve("node-bootstrap-token"), "rgb_");
        Map<String, String> controlPlaneSettings = Map.of(
                "REGATTA_ADMIN_INITIAL_TOKEN", adminToken,
                "REGATTA_NODES_BOOTSTRAP_TOKEN", bootstrapToken,
                // What the console offers for a new file system: what runs here.
                "REGATTA_REPLICATION_DEFAULT_REPLICAS", Integer.toString(replicas));
        startControlPlanes(stack, dataDir, controlPlaneSettings);
        URI api = stack.controlPlane.api();
        String fsId = DemoFileSystem.ensure(api, adminToken, options.bucket, options.prefix, options.s3Endpoint,
                options.s3Region, replicas, options.flushDeadline);

        options.controlPlane = stack.apis();
        options.bootstrapToken = bootstrapToken;
        if (options.nodeName == null || options.nodeName.isBlank()) {
            options.nodeName = "local";
        }
        options.tlsBind = options.bind; // the embedded default stays on this machine
        if (replicas > 1) {
            startGroup(stack, dataDir, api, adminToken, fsId);
            return;
        }
        options.replicationPort = -1; // one node: nothing to replicate with
        DataPlaneConfig config = options.toConfig();
        stack.dataPlane = DataPlane.start(config);
        awaitServed(stack.dataPlane, fsId);
        awaitTlsFront(stack.dataPlane);
        // The name the README and earlier versions promise; mount.regatta and other nodes use the ID.
        stack.dataPlane.aliasExport(config.exportPath(), fsId);

        sayStack(stack, api, adminToken);
        Console.say("file system " + fsId + " (" + DemoFileSystem.NAME + ") exported as " + config.exportPath()
                + " and /" + fsId);
        int port = stack.dataPlane.nfsPort();
        String export = config.exportPath();
        Console.say("nfs " + config.bindAddress() + ":" + port + " export " + export);
        Console.say("tls " + options.tlsBind + ":" + stack.dataPlane.tlsPort() + " (the node's TLS front, for "
                + "mount.regatta)");
        Console.say("mount with: mount -t nfs -o vers=3,proto=tcp,port=" + port + ",mountport=" + port
                + ",nolock " + config.bindAddress() + ":" + export + " /mnt/demo");
        if (stack.dataPlane.metricsPort() > 0) {
            Console.say("metrics http://" + config.bindAddress() + ":" + stack.dataPlane.metricsPort() + "/metrics");
        }
        stack.verifyControlPlanes();
        Console.say("ready");
    }

    /**
     * The first control plane, on its embedded PostgreSQL; with {@link #controlPlanes} above 1, that database on a
     * port chosen here and the others over it. They share the first's data directory, where it made the CA's
     * key-encryption key and the admin password before its API answered: every instance then signs with the same CA
     * and takes the same password.
     */
    private void startControlPlanes(Stack stack, Path dataDir, Map<String, String> settings)
            throws IOException, InterruptedException {
        Map<String, String> first = new HashMap<>(settings);
        int databasePort = 0;
        if (controlPlanes > 1) {
            databasePort = FreePort.check("127.0.0.1", 0);
            first.put("REGATTA_EMBEDDED_DATABASE_PORT", Integer.toString(databasePort));
        }
        stack.controlPlane = ControlPlaneProcess.start(controlPlaneJar, dataDir, "control-plane.log", apiPort, first,
                CONTROL_PLANE_START);
        for (int i = 2; i <= controlPlanes; i++) {
            Map<String, String> other = new HashMap<>(settings);
            other.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://localhost:" + databasePort + "/postgres");
            other.put("SPRING_DATASOURCE_USERNAME", "postgres");
            stack.otherControlPlanes.add(ControlPlaneProcess.start(controlPlaneJar, dataDir,
                    "control-plane-" + i + ".log", 0, other, CONTROL_PLANE_START));
        }
    }

    /** The lines of the bucket, the API and the console, the same for one node or a group. */
    private void sayStack(Stack stack, URI api, String adminToken) throws IOException, InterruptedException {
        boolean localBucket = stack.s3 != null;
        Console.say("s3 " + options.s3Endpoint + " bucket " + options.bucket + " access-key "
                + (options.s3AccessKey == null ? "(default chain)" : options.s3AccessKey) + " secret-key "
                + (localBucket ? options.s3SecretKey : "(as given)"));
        Console.say("api " + api + " admin-token " + adminToken);
        int instance = 1;
        for (ControlPlaneProcess other : stack.otherControlPlanes) {
            instance++;
            Console.say("api " + other.api() + " admin-token " + adminToken + " control-plane " + instance + " pid "
                    + other.pid());
        }
        Console.say("console " + api.resolve("/"));
        ControlPlaneProcess controlPlane = stack.controlPlane;
        if (controlPlane.adminPasswordGiven()) {
            Console.say("console sign-in " + controlPlane.adminUsername() + " / (the password in "
                    + "REGATTA_ADMIN_PASSWORD)");
        } else {
            Console.say("console sign-in " + controlPlane.adminUsername() + " / "
                    + controlPlane.awaitAdminPassword(ADMIN_PASSWORD) + " (kept in "
                    + controlPlane.adminPasswordFile() + ")");
        }
    }

    /**
     * The demo file system on a group of {@link #replicas} nodes: starts them, waits until one leads it, and says
     * where each is.
     */
    private void startGroup(Stack stack, Path dataDir, URI api, String adminToken, String fsId) throws Exception {
        String exportPath = options.export.startsWith("/") ? options.export : "/" + options.export;
        List<String> nodeOptions = List.of(
                "--control-plane", String.join(",", stack.apis().stream().map(URI::toString).toList()),
                "--bootstrap-token-file", dataDir.resolve("node-bootstrap-token").toString(),
                "--metrics-port", "-1",
                "--s3-access-key", options.s3AccessKey == null ? "" : options.s3AccessKey,
                "--s3-secret-key", options.s3SecretKey == null ? "" : options.s3SecretKey,
                "--quiet-period", options.quietPeriod.toString(),
                "--flush-deadline", options.flushDeadline.toString(),
                "--revalidate-after", options.revalidateAfter.toString(),
                "--cache-ttl", options.cacheTtl.toString(),
                "--cache-size", Long.toString(options.cacheSize),
                "--election-timeout", options.electionTimeout.toString(),
                "--export-alias", exportPath + "=" + fsId);
        for (int i = 1; i <= replicas; i++) {
            String name = "node-" + i;
            stack.nodes.add(NodeProcess.start(name, "zone-" + (char) ('a' + i - 1), dataDir.resolve(name),
                    nodeOptions, CONTROL_PLANE_START));
        }
        String leader = DemoFileSystem.awaitLeader(api, adminToken, fsId, FIRST_ASSIGNMENT);
        sayStack(stack, api, adminToken);
        NodeProcess leading = null;
        for (NodeProcess node : stack.nodes) {
            Console.say("node " + node.name + " nfs 127.0.0.1:" + node.nfsPort + " tls 127.0.0.1:" + node.tlsPort
                    + " pid " + node.pid());
            if (node.name.equals(leader)) {
                leading = node;
            }
        }
        if (leading == null) {
            throw new IllegalStateException("the control plane names " + leader + " as the leader of " + fsId
                    + ", which is not one of the nodes started here");
        }
        Console.say("file system " + fsId + " (" + DemoFileSystem.NAME + ") on a group of " + replicas
                + " nodes, led by " + leader + ", exported as " + exportPath + " and /" + fsId);
        Console.say("mount with: mount -t nfs -o vers=3,proto=tcp,port=" + leading.nfsPort + ",mountport="
                + leading.nfsPort + ",nolock 127.0.0.1:" + exportPath + " /mnt/demo (the leader's port: a "
                + "plain NFS mount does not follow a failover; mount.regatta's tunnel does)");
        stack.verifyControlPlanes();
        Console.say("ready");
        Thread.ofPlatform().daemon().name("regatta-up-nodes").start(() -> supervise(stack));
    }

    /**
     * Starts a node that died again, {@link #RESTART_DELAY} after, on its ports, as a service manager would; says so
     * with the node's line and its new process ID. A node is never started again while it runs, so a new one never
     * races the old one's end (a test deleting its data directory, say).
     */
    private static void supervise(Stack stack) {
        try {
            while (stack.stopped.getCount() > 0) {
                Thread.sleep(1000);
                for (NodeProcess node : stack.nodes) {
                    if (stack.stopped.getCount() == 0) {
                        return;
                    }
                    try {
                        if (node.restartIfDead(RESTART_DELAY, CONTROL_PLANE_START)) {
                            Console.say("node " + node.name + " nfs 127.0.0.1:" + node.nfsPort + " tls 127.0.0.1:"
                                    + node.tlsPort + " pid " + node.pid() + " (started again: its process had ended)");
                        }
                    } catch (IOException | RuntimeException e) {
                        Console.say("node " + node.name + " ended and cannot be started again: " + e.getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The node learns its assignment from its first heartbeats; clients should not be told to mount before. */
    private static void awaitServed(DataPlane dataPlane, String fsId) throws InterruptedException {
        long deadline = System.nanoTime() + FIRST_ASSIGNMENT.toNanos();
        while (dataPlane.fileSystem(fsId).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the control plane did not assign " + fsId + " to this node within "
                        + FIRST_ASSIGNMENT + "; see the log above and control-plane.log in the data directory");
            }
            Thread.sleep(100);
        }
    }

    /** The front starts once the node has its certificate: right after registering, or at once on a restart. */
    private static void awaitTlsFront(DataPlane dataPlane) throws InterruptedException {
        long deadline = System.nanoTime() + FIRST_ASSIGNMENT.toNanos();
        while (dataPlane.tlsPort() < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node's TLS front did not start within " + FIRST_ASSIGNMENT
                        + "; see the log above");
            }
            Thread.sleep(100);
        }
    }

    /**
     * What up started, stopped in reverse order: the node first (it flushes), the control plane, then S3; the data
     * directory is let go last.
     */
    private static final class Stack {
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile DataDirectoryClaim claim;
        volatile LocalS3Endpoint s3;
        /** The first control plane: it runs the database. */
        volatile ControlPlaneProcess controlPlane;
        /** With --control-planes 2 or more: the others, over the first's database. */
        final List<ControlPlaneProcess> otherControlPlanes = new CopyOnWriteArrayList<>();
        volatile DataPlane dataPlane;
        /** With --replicas 3 or 5: the nodes of the group, in child processes. */
        final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();

        /** Every control plane's API, the first first: a node tries them in turn. */
        List<URI> apis() {
            List<URI> apis = new ArrayList<>(List.of(controlPlane.api()));
            otherControlPlanes.forEach(other -> apis.add(other.api()));
            return apis;
        }

        /** Fails unless every control plane started here is alive and answers on its own port. */
        void verifyControlPlanes() throws IOException, InterruptedException {
            controlPlane.verifyOwn();
            for (ControlPlaneProcess other : otherControlPlanes) {
                other.verifyOwn();
            }
        }

        synchronized void close() {
            if (stopped.getCount() == 0) {
                return;
            }
            try {
                if (dataPlane != null) {
                    dataPlane.close();
                }
                nodes.parallelStream().forEach(NodeProcess::close);
                // The others before the first, whose database they use.
                otherControlPlanes.forEach(ControlPlaneProcess::close);
                if (controlPlane != null) {
                    controlPlane.close();
                }
                if (s3 != null) {
                    s3.close();
                }
            } finally {
                try {
                    if (claim != null) {
                        claim.close();
                    }
                } catch (IOException e) {
                    // the process is ending: the kernel releases the lock with it
                } finally {
                    stopped.countDown();
                }
            }
        }
    }
}
