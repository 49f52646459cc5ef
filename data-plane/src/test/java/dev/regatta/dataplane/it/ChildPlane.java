package dev.regatta.dataplane.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A data plane in a child process of the test's JVM (its class path), for tests that kill one with SIGKILL: started
 * with the given options against the harness's bucket, returned once it printed {@code regatta: ready}, with the NFS
 * and metrics ports it printed. Its standard error goes to {@code log}, its standard output (the test logback's
 * lines and the {@code regatta:} lines) to {@code log.out}.
 */
final class ChildPlane {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern NFS_LINE = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) export .*");
    private static final Pattern METRICS_LINE = Pattern.compile("regatta: metrics http://127\\.0\\.0\\.1:(\\d+)/metrics");

    final Process process;
    /** The NFS (and MOUNT) port the child printed. */
    final int nfsPort;
    /** The metrics port it printed, or 0 without one. */
    final int metricsPort;

    private ChildPlane(Process process, int nfsPort, int metricsPort) {
        this.process = process;
        this.nfsPort = nfsPort;
        this.metricsPort = metricsPort;
    }

    static ChildPlane start(ItHarness h, Path dataDir, Path log, String... options) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"),
                "dev.regatta.dataplane.cli.RegattaCli", "data-plane",
                "--data-dir", dataDir.toString(),
                "--export", ItHarness.EXPORT,
                "--s3-endpoint", h.s3.endpoint().toString(),
                "--s3-access-key", ItHarness.ACCESS_KEY,
                "--s3-secret-key", ItHarness.SECRET_KEY,
                "--bucket", ItHarness.BUCKET));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        List<String> stdout = Collections.synchronizedList(new ArrayList<>());
        int[] ports = new int[2];
        Thread.ofPlatform().daemon().name(dataDir.getFileName() + "-stdout").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
                 Writer copy = Files.newBufferedWriter(Path.of(log + ".out"))) {
                String line;
                while ((line = r.readLine()) != null) {
                    copy.write(line + "\n");
                    copy.flush();
                    stdout.add(line);
                    Matcher nfs = NFS_LINE.matcher(line);
                    if (nfs.matches()) {
                        ports[0] = Integer.parseInt(nfs.group(1));
                    }
                    Matcher metrics = METRICS_LINE.matcher(line);
                    if (metrics.matches()) {
                        ports[1] = Integer.parseInt(metrics.group(1));
                    }
                    if (line.contains("regatta: ready")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException ignored) {
                // the child died
            }
            ready.complete(false);
        });
        boolean ok;
        try {
            ok = ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            ok = false;
        }
        if (!ok) {
            p.destroyForcibly();
            String err = Files.exists(log) ? Files.readString(log) : "";
            throw new AssertionError("child data plane in " + dataDir + " did not get ready; stdout=" + stdout
                    + "\nstderr tail=" + err.substring(Math.max(0, err.length() - 4000)));
        }
        // Read after ready: the reader thread wrote them before it completed the future.
        return new ChildPlane(p, ports[0], ports[1]);
    }
}
