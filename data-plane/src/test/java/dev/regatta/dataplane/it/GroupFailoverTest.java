package dev.regatta.dataplane.it;

import dev.regatta.dataplane.nfs.RpcTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.regatta.dataplane.nfs.TestExports.MOUNT;
import static dev.regatta.dataplane.nfs.TestExports.NFS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three data planes in child processes serve one file system as a replication group (--group-members). A client
 * writes files through the leader's NFS port with libnfs; the leader is killed with SIGKILL before it uploaded
 * anything and its data directory deleted; another member leads within 15 s and serves every file identically (also
 * through the handles the old leader gave out), and uploads them. The dead member returns with an empty data directory, catches up from the log, and the group
 * outlives its second leader too.
 */
class GroupFailoverTest {


    @TempDir
    Path tmp;
    ItHarness h;
    final Process[] children = new Process[3];
    final int[] nfsPorts = new int[3];
    final int[] metricsPorts = new int[3];
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        for (Process child : children) {
            if (child != null && child.isAlive()) {
                child.destroyForcibly().waitFor();
            }
        }
        if (h != null) {
            h.close();
        }
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

    @Test
    void everyFileWrittenThroughTheLeaderReadsBackThroughTheNextOneAfterItIsKilled() throws Exception {
        h = ItHarness.inMemory(c -> c);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add("node-" + i + "=127.0.0.1:" + replicationPort());
        }
        for (int i = 0; i < 3; i++) {
            children[i] = startChild(i, String.join(",", members));
        }
        int leader = awaitLeader(Duration.ofSeconds(30));
        // A healthy group to start from: Ratis counts no vote of a member whose log is still empty (it may have lost
        // its disk), so a member that has not heard from the leader yet could not help elect the next one.
        long first = (long) metric(leader, "replication_applied_index");
        ItHarness.eventually(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 3; i++) {
                assertThat(metric(i, "replication_applied_index")).as("node-" + i).isGreaterThanOrEqualTo(first);
            }
        });

        Map<String, Path> written = new LinkedHashMap<>();
        Random random = new Random(29);
        for (int n = 0; n < 30; n++) {
            byte[] data = new byte[n % 5 == 0 ? 1 << 20 : 4096 + 3001 * n];
            random.nextBytes(data);
            Path source = tmp.resolve("source-" + n);
            Files.write(source, data);
            libnfs("nfs-cp", source.toString(), url(leader, "file-" + n));
            written.put("file-" + n, source);
        }
        // A client that keeps its handles across the failover (as the kernel's does): the root's and a file's.
        byte[] root;
        byte[] fileHandle;
        try (RpcTestClient client = new RpcTestClient(nfsPorts[leader])) {
            root = mountRoot(client);
            RpcTestClient.Reply lookup = client.call(NFS, 3, 3, new RpcTestClient.Out().opaque(root).str("file-1"));
            assertThat(lookup.body().i()).as("LOOKUP file-1").isZero();
            fileHandle = lookup.body().opaque();
        }
        int follower = (leader + 1) % 3;
        assertThat(libnfsExit(15, "nfs-cat", url(follower, "file-0")))
                .as("a follower does not serve the file system").isNotZero();

        children[leader].destroyForcibly();
        assertThat(children[leader].waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(h.keys("")).as("nothing was uploaded before the kill").isEmpty();
        ItHarness.deleteTree(tmp.resolve("node-" + leader));

        long killedAt = System.nanoTime();
        int next = awaitLeader(Duration.ofSeconds(15));
        assertThat(next).isNotEqualTo(leader);
        Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.printf("node-%d led %d ms after node-%d was killed%n", next, failover.toMillis(), leader);
        assertThat(failover).isLessThan(Duration.ofSeconds(15));
        try (RpcTestClient client = new RpcTestClient(nfsPorts[next])) {
            assertThat(mountRoot(client)).as("the new leader's root handle").isEqualTo(root);
            RpcTestClient.Reply read = client.call(NFS, 3, 6, new RpcTestClient.Out().opaque(fileHandle).l(0).i(100));
            assertThat(read.body().i()).as("READ through the old leader's handle").isZero();
            read.body().postOp();
            assertThat(read.body().i()).isEqualTo(100);
            read.body().bool();
            assertThat(read.body().opaque()).isEqualTo(Arrays.copyOf(Files.readAllBytes(written.get("file-1")), 100));
        }
        for (Map.Entry<String, Path> e : written.entrySet()) {
            Path back = tmp.resolve("back-" + e.getKey());
            libnfs("nfs-cp", url(next, e.getKey()), back.toString());
            assertThat(Files.readAllBytes(back)).as(e.getKey()).isEqualTo(Files.readAllBytes(e.getValue()));
        }

        // The new leader uploads what the old one never did, by the flush deadline of each file's first change.
        ItHarness.eventually(Duration.ofSeconds(90), () -> {
            for (Map.Entry<String, Path> e : written.entrySet()) {
                assertThat(h.objectBytes(e.getKey())).as("object " + e.getKey())
                        .isEqualTo(Files.readAllBytes(e.getValue()));
            }
        });

        // The dead member comes back with nothing and catches up from the leader's log...
        children[leader] = startChild(leader, String.join(",", members));
        long target = (long) metric(next, "replication_applied_index");
        ItHarness.eventually(Duration.ofSeconds(60), () ->
                assertThat(metric(leader, "replication_applied_index")).isGreaterThanOrEqualTo(target));
        // ...and the group outlives its second leader with every file intact.
        children[next].destroyForcibly();
        assertThat(children[next].waitFor(30, TimeUnit.SECONDS)).isTrue();
        long secondKill = System.nanoTime();
        int third = awaitLeader(Duration.ofSeconds(15));
        System.out.printf("node-%d led %d ms after node-%d was killed%n", third,
                Duration.ofNanos(System.nanoTime() - secondKill).toMillis(), next);
        assertThat(third).isNotEqualTo(next);
        for (Map.Entry<String, Path> e : written.entrySet()) {
            Path back = tmp.resolve("third-" + e.getKey());
            libnfs("nfs-cp", url(third, e.getKey()), back.toString());
            assertThat(Files.readAllBytes(back)).as(e.getKey() + " through node-" + third)
                    .isEqualTo(Files.readAllBytes(e.getValue()));
        }
    }

    /** MOUNT of the export: its root's handle. */
    private static byte[] mountRoot(RpcTestClient client) throws IOException {
        client.uid = 0; // as libnfs wrote the files
        RpcTestClient.Reply mount = client.call(MOUNT, 3, 1, new RpcTestClient.Out().str(ItHarness.EXPORT));
        assertThat(mount.body().i()).as("MOUNT status").isZero();
        return mount.body().opaque();
    }

    private double metric(int node, String name) throws Exception {
        String scrape = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsPorts[node] + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return ItHarness.metric(scrape, name);
    }

    private String url(int node, String name) {
        return "nfs://127.0.0.1" + ItHarness.EXPORT + "/" + name + "?nfsport=" + nfsPorts[node] + "&mountport="
                + nfsPorts[node] + "&version=3";
    }

    private void libnfs(String... command) throws Exception {
        int exit = libnfsExit(60, command);
        assertThat(exit).as(String.join(" ", command)).isZero();
    }

    /** The command's exit code, or -1 if it had not ended after {@code seconds}. */
    private int libnfsExit(int seconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("libnfs.log").toFile())).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** The member whose metrics say it leads (and serves) the file system. */
    private int awaitLeader(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 3; i++) {
                if (children[i] == null || !children[i].isAlive()) {
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

    private Process startChild(int i, String members) throws Exception {
        // The logs stay after the run (the temporary directory does not): what each member said, for a failure's
        // reader.
        ChildPlane child = ChildPlane.start(h, tmp.resolve("node-" + i),
                Path.of("target", "group-failover-node-" + i + ".log").toAbsolutePath(),
                "--nfs-port", "0",
                "--metrics-port", "0",
                // Nothing goes up before the kill, a few seconds after the first write: what the next leader
                // serves came from the group. It uploads by the deadline.
                "--quiet-period", "1h",
                "--flush-deadline", "30s",
                "--node-name", "node-" + i,
                "--group-members", members,
                "--election-timeout", "500ms");
        nfsPorts[i] = child.nfsPort;
        metricsPorts[i] = child.metricsPort;
        return child.process;
    }
}
