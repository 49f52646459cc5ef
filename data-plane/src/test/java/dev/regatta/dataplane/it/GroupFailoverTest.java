package dev.regatta.dataplane.it;

import dev.regatta.dataplane.nfs.RpcTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
    ChildGroup group;

    @AfterEach
    void stop() throws Exception {
        if (group != null) {
            group.close();
        }
        if (h != null) {
            h.close();
        }
    }

    @Test
    void everyFileWrittenThroughTheLeaderReadsBackThroughTheNextOneAfterItIsKilled() throws Exception {
        h = ItHarness.inMemory(c -> c);
        // Nothing goes up before the kill, a few seconds after the first write: what the next leader serves came
        // from the group. It uploads by the deadline.
        group = new ChildGroup(h, tmp, "group-failover", 3, "--quiet-period", "1h", "--flush-deadline", "30s",
                "--election-timeout", "500ms");
        for (int i = 0; i < 3; i++) {
            group.start(i);
        }
        int leader = group.awaitLeader(Duration.ofSeconds(30));
        // A healthy group to start from: Ratis counts no vote of a member whose log is still empty (it may have lost
        // its disk), so a member that has not heard from the leader yet could not help elect the next one.
        group.awaitCaughtUp(leader, Duration.ofSeconds(30));

        Map<String, Path> written = new LinkedHashMap<>();
        Random random = new Random(29);
        for (int n = 0; n < 30; n++) {
            byte[] data = new byte[n % 5 == 0 ? 1 << 20 : 4096 + 3001 * n];
            random.nextBytes(data);
            Path source = tmp.resolve("source-" + n);
            Files.write(source, data);
            libnfs("nfs-cp", source.toString(), group.url(leader, "file-" + n));
            written.put("file-" + n, source);
        }
        // A client that keeps its handles across the failover (as the kernel's does): the root's and a file's.
        byte[] root;
        byte[] fileHandle;
        try (RpcTestClient client = new RpcTestClient(group.nfsPort(leader))) {
            root = mountRoot(client);
            RpcTestClient.Reply lookup = client.call(NFS, 3, 3, new RpcTestClient.Out().opaque(root).str("file-1"));
            assertThat(lookup.body().i()).as("LOOKUP file-1").isZero();
            fileHandle = lookup.body().opaque();
        }
        int follower = (leader + 1) % 3;
        assertThat(libnfsExit(15, "nfs-cat", group.url(follower, "file-0")))
                .as("a follower does not serve the file system").isNotZero();

        group.kill(leader);
        assertThat(h.keys("")).as("nothing was uploaded before the kill").isEmpty();
        ItHarness.deleteTree(tmp.resolve("node-" + leader));

        long killedAt = System.nanoTime();
        int next = group.awaitLeader(Duration.ofSeconds(15));
        assertThat(next).isNotEqualTo(leader);
        Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.printf("node-%d led %d ms after node-%d was killed%n", next, failover.toMillis(), leader);
        assertThat(failover).isLessThan(Duration.ofSeconds(15));
        try (RpcTestClient client = new RpcTestClient(group.nfsPort(next))) {
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
            libnfs("nfs-cp", group.url(next, e.getKey()), back.toString());
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
        group.start(leader);
        group.awaitCaughtUp(next, Duration.ofSeconds(60));
        // ...and the group outlives its second leader with every file intact.
        group.kill(next);
        long secondKill = System.nanoTime();
        int third = group.awaitLeader(Duration.ofSeconds(15));
        System.out.printf("node-%d led %d ms after node-%d was killed%n", third,
                Duration.ofNanos(System.nanoTime() - secondKill).toMillis(), next);
        assertThat(third).isNotEqualTo(next);
        for (Map.Entry<String, Path> e : written.entrySet()) {
            Path back = tmp.resolve("third-" + e.getKey());
            libnfs("nfs-cp", group.url(third, e.getKey()), back.toString());
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

    private void libnfs(String... command) throws Exception {
        int exit = libnfsExit(60, command);
        assertThat(exit).as(String.join(" ", command)).isZero();
    }

    /** The command's exit code, or -1 if it had not ended after {@code seconds}. */
    private int libnfsExit(int seconds, String... command) throws Exception {
        return ChildGroup.libnfs(tmp.resolve("libnfs.log"), seconds, command);
    }
}
