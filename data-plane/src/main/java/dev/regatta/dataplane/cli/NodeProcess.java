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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One data-plane node of {@code regatta up --replicas N}, in a child process with its own data directory and ports
 * (taken here, so that they can be printed before the node has registered), registered with up's control plane in
 * a zone of its own. Its output goes to {@code data-plane.log} in its data directory; it ends with up, however up
 * ends ({@link ParentWatch}).
 */
final class NodeProcess implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final int nfsPort;
    final int tlsPort;
    final Path dataDir;
    final Process process;

    private NodeProcess(String name, int nfsPort, int tlsPort, Path dataDir, Process process) {
        this.name = name;
        this.nfsPort = nfsPort;
        this.tlsPort = tlsPort;
        this.dataDir = dataDir;
        this.process = process;
    }

    /**
     * Starts the node and waits until it says it is ready.
     *
     * @param options the node's options besides its data directory, name, zone and ports
     */
    static NodeProcess start(String name, String zone, Path dataDir, List<String> options, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        int nfsPort = FreePort.check("127.0.0.1", 0);
        int tlsPort = FreePort.check("127.0.0.1", 0);
        int replicationPort = FreePort.check("127.0.0.1", 0);
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
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.PIPE) // never written, never closed: see ParentWatch
                .redirectErrorStream(true)
                .start();
        NodeProcess node = new NodeProcess(name, nfsPort, tlsPort, dataDir, process);
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("regatta-" + name + "-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
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
        boolean started;
        try {
            started = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            started = false;
        } catch (java.util.concurrent.ExecutionException e) {
            started = false;
        }
        if (!started) {
            node.close();
            throw new IllegalStateException("node " + name + " did not start within " + timeout + "; see " + log);
        }
        return node;
    }

    long pid() {
        return process.pid();
    }

    /** Stops the node as Ctrl-C would (it flushes what it can), and kills it if it takes too long. */
    @Override
    public void close() {
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
