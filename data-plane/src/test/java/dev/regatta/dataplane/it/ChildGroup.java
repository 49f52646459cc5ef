package dev.regatta.dataplane.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replication group of data planes in child processes ({@code --group-members}, no control plane) over one
 * harness's bucket, for the tests that kill members with SIGKILL: each member in {@code <dir>/node-<i>}, its log
 * kept in {@code target/<name>-node-<i>.log}, its NFS and metrics ports as it printed them.
 */
final class ChildGroup implements AutoCloseable {

    private final ItHarness h;
    private final Path dir;
    private final String name;
    private final List<String> options;
    private final String members;
    private final Process[] processes;
    private final int[] nfsPorts;
    private final int[] metricsPorts;
    private final HttpClient http = HttpClient.newHttpClient();

    /** @param options each member's options besides its name, ports and members */
    ChildGroup(ItHarness h, Path dir, String name, int size, String... options) throws IOException {
        this.h = h;
        this.dir = dir;
        this.name = name;
        this.options = List.of(options);
        List<String> list = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            list.add("node-" + i + "=127.0.0.1:" + replicationPort());
        }
        this.members = String.join(",", list);
        this.processes = new Process[size];
        this.nfsPorts = new int[size];
        this.metricsPorts = new int[size];
    }

    /**
     * A port for a member's replication, which every member must know before any starts: below Linux's ephemeral
     * range (32768 and up), so that the members' own outgoing connections cannot take it meanwhile.
     */
    private static int replicationPort() throws IOException {
        Random random = new Random();
        for (int attempt = 0; ; attempt++) {
            int port = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                if (attempt == 100) {
                    throw taken;
                }
            }
        }
    }

    int size() {
        return processes.length;
    }

    /** Starts member {@code i} (again, after a kill, with whatever its data directory holds) and waits for it. */
    void start(int i) throws Exception {
        List<String> args = new ArrayList<>(List.of("--nfs-port", "0", "--metrics-port", "0",
                "--node-name", "node-" + i, "--group-members", members));
        args.addAll(options);
        ChildPlane child = ChildPlane.start(h, dir.resolve("node-" + i),
                Path.of("target", name + "-node-" + i + ".log").toAbsolutePath(), args.toArray(String[]::new));
        processes[i] = child.process;
        nfsPorts[i] = child.nfsPort;
        metricsPorts[i] = child.metricsPort;
    }

    boolean alive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        assertThat(processes[i].waitFor(30, TimeUnit.SECONDS)).as("node-" + i + " ended").isTrue();
    }

    double metric(int i, String metric) throws Exception {
        String scrape = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsPorts[i] + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return ItHarness.metric(scrape, metric);
    }

    int nfsPort(int i) {
        return nfsPorts[i];
    }

    /** A libnfs URL of {@code file} in the export, through member {@code i}. */
    String url(int i, String file) {
        return "nfs://127.0.0.1" + ItHarness.EXPORT + "/" + file + "?nfsport=" + nfsPorts[i] + "&mountport="
                + nfsPorts[i] + "&version=3";
    }

    /** The live member whose metrics say it leads (and serves) the file system. */
    int awaitLeader(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < size(); i++) {
                if (!alive(i)) {
                    continue;
                }
                try {
                    if (metric(i, "replication_leader") == 1) {
                        return i;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no member led within " + timeout);
    }

    /**
     * Waits until every live member has applied the leader's log as far as the leader had when this was called:
     * Ratis counts no vote of a member that has heard nothing (it may have lost its disk), so a group survives its
     * leader's death once every member has heard from it.
     */
    void awaitCaughtUp(int leader, Duration timeout) throws Exception {
        long target = (long) metric(leader, "replication_applied_index");
        ItHarness.eventually(timeout, () -> {
            for (int i = 0; i < size(); i++) {
                if (alive(i)) {
                    assertThat(metric(i, "replication_applied_index")).as("node-" + i)
                            .isGreaterThanOrEqualTo(target);
                }
            }
        });
    }

    /** Runs a libnfs command, its output appended to {@code log}: its exit code, or -1 if it ran past {@code seconds}. */
    static int libnfs(Path log, int seconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
