package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.server.FreePort;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One data-plane node of {@code regatta up --replicas N}, in a child process with its own data directory and ports
 * (taken here, so that they can be printed before the node has registered), registered with up's control plane in
 * a zone of its own. Its output goes to {@code data-plane.log} in its data directory; it ends with up, however up
 * ends ({@link ParentWatch}). A node that dies is started again on the same ports ({@link #restartIfDead}), as a
 * service manager would: with its data directory it rejoins its groups and catches up; without (a lost disk), it
 * registers anew at its old address, takes the old node's place and joins the groups as a new member.
 */
final class NodeProcess implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final String zone;
    final int nfsPort;
    final int tlsPort;
    final int replicationPort;
    final Path dataDir;
    private final List<String> options;
    private volatile Process process;
    private volatile boolean closed;
    /** When {@link #restartIfDead} first found the process ended (nanoTime), or 0. */
    private long deadSince;

    private NodeProcess(String name, String zone, int nfsPort, int tlsPort, int replicationPort, Path dataDir,
                        List<String> options) {
        this.name = name;
        this.zone = zone;
        this.nfsPort = nfsPort;
        this.tlsPort = tlsPort;
        this.replicationPort = replicationPort;
        this.dataDir = dataDir;
        this.options = List.copyOf(options);
    }

    /** Every port handed to a node here: a port checked free and let go may come back from the next check. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A free port no node of this process was given yet. Picked and released, the same port may come back from the
     * next pick (a node's NFS port and its replication port once did, and its replication server could not start).
     */
    static int unusedPort() throws IOException {
        while (true) {
            int port = FreePort.check("127.0.0.1", 0);
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
    }

    /**
     * Starts the node and waits until it says it is ready.
     *
     * @param options the node's options besides its data directory, name, zone and ports
     */
    static NodeProcess start(String name, String zone, Path dataDir, List<String> options, Duration timeout)
            throws IOException, InterruptedException {
        NodeProcess node = new NodeProcess(name, zone, unusedPort(), unusedPort(), unusedPort(), dataDir, options);
        node.launch(timeout);
        return node;
    }

    /**
     * Starts the node again if its process ended (not by {@link #close}) at least {@code delay} before this call was
     * first made after the end: true when it did. The ports stay the node's, so what was printed stays true.
     */
    synchronized boolean restartIfDead(Duration delay, Duration timeout) throws IOException, InterruptedException {
        if (closed || process.isAlive()) {
            deadSince = 0;
            return false;
        }
        long now = System.nanoTime();
        if (deadSince == 0) {
            deadSince = now;
        }
        if (now - deadSince < delay.toNanos()) {
            return false;
        }
        deadSince = 0;
        launch(timeout);
        return true;
    }

    private void launch(Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RegattaCli.class.getName(), "data-plane",
                "--data-dir", dataDir.toString(),
                "--node-name", name,
                "--zone", zone,
                "--bind", "127.0.0.1",
                "--nfs-port", Integer.toString(nfsPort),
                "--tls-bind", "127.0.0.1",
                "--tls-port", Integer.toString(tlsPort),
                "--replication-port", Integer.toString(replicationPort)));
        command.addAll(options);
        Path log = dataDir.resolve("data-plane.log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.PIPE) // never written, never closed: see ParentWatch
                .redirectErrorStream(true);
        builder.environment().put(ParentWatch.ENVIRONMENT, "true");
        Process started = builder.start();
        process = started;
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("regatta-" + name + "-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(started.getInputStream(),
                    StandardCharsets.UTF_8));
                 Writer copy = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                         StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    copy.write(line);
                    copy.write('\n');
                    copy.flush();
                    if (line.equals("regatta: ready")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the node ended
            }
            ready.complete(false);
        });
        boolean ok;
        try {
            ok = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            ok = false;
        }
        if (!ok) {
            stop(started);
            throw new IllegalStateException("node " + name + " did not start within " + timeout + "; see " + log);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Stops the node as Ctrl-C would (it flushes what it can), and kills it if it takes too long. */
    @Override
    public void close() {
        closed = true;
        stop(process);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
