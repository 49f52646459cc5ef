package dev.regatta.dataplane.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failovers in a row under load. A writer copies files through whichever member leads (libnfs {@code nfs-cp}, whose
 * COMMIT is the acknowledgement) and moves to the next leader when one dies; again and again the leader is killed with
 * SIGKILL, another leads within 15 s, and the killed member starts again with its data directory and catches up. The
 * bucket then ends with every acknowledged file as written and no key but those and the files of copies that failed
 * midway, and a sample of the files reads back identical through the last leader.
 *
 * <p>Five rounds in the default suite (about two minutes); {@code -Dregatta.failovers=20} runs twenty (about ten).
 */
class FailoverLoopTest {

    private static final int FAILOVERS = Integer.getInteger("regatta.failovers", 5);
    /** Every how many acknowledged files one is read back through NFS (all of them are checked in the bucket). */
    private static final int READ_BACK_EVERY = 20;

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
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void failoversUnderLoadLoseNoAcknowledgedFileAndLeaveNoStrayObject() throws Exception {
        h = ItHarness.inMemory(c -> c);
        group = new ChildGroup(h, tmp, "failover-loop", 3, "--quiet-period", "1s", "--flush-deadline", "5s",
                "--election-timeout", "500ms");
        for (int i = 0; i < 3; i++) {
            group.start(i);
        }
        group.awaitCaughtUp(group.awaitLeader(Duration.ofSeconds(30)), Duration.ofSeconds(30));

        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        Set<String> failed = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().name("failover-loop-writer").start(() -> {
            Random random = new Random(20);
            for (int n = 0; writing.get(); n++) {
                byte[] data = new byte[16 * 1024 + random.nextInt(240 * 1024)];
                random.nextBytes(data);
                String name = "w-" + n;
                try {
                    Path source = tmp.resolve("source-" + name);
                    Files.write(source, data);
                    int leader = group.awaitLeader(Duration.ofSeconds(30));
                    if (libnfsExit(30, "nfs-cp", source.toString(), group.url(leader, name)) == 0) {
                        acknowledged.put(name, data);
                    } else {
                        failed.add(name);
                    }
                } catch (Exception | AssertionError e) {
                    failed.add(name); // no leader for a while, or the leader died under the copy
                }
            }
        });

        List<Long> failoverMillis = new ArrayList<>();
        for (int round = 0; round < FAILOVERS; round++) {
            int leader = group.awaitLeader(Duration.ofSeconds(30));
            group.awaitCaughtUp(leader, Duration.ofSeconds(60));
            int before = acknowledged.size();
            ItHarness.eventually(Duration.ofSeconds(30), () ->
                    assertThat(acknowledged.size()).as("the writer gets on").isGreaterThan(before));
            group.kill(leader);
            long killedAt = System.nanoTime();
            int next = group.awaitLeader(Duration.ofSeconds(15));
            assertThat(next).isNotEqualTo(leader);
            failoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            group.start(leader);
        }
        writing.set(false);
        writer.join(Duration.ofSeconds(60));
        System.out.printf("%d failovers, each leader named after (ms): %s; %d files acknowledged, %d copies failed%n",
                FAILOVERS, failoverMillis, acknowledged.size(), failed.size());

        int last = group.awaitLeader(Duration.ofSeconds(30));
        List<String> names = acknowledged.keySet().stream().sorted().toList();
        for (int i = 0; i < names.size(); i += READ_BACK_EVERY) {
            Map.Entry<String, byte[]> e = Map.entry(names.get(i), acknowledged.get(names.get(i)));
            Path back = tmp.resolve("back-" + e.getKey());
            assertThat(libnfsExit(60, "nfs-cp", group.url(last, e.getKey()), back.toString()))
                    .as("read back " + e.getKey()).isZero();
            assertThat(Files.readAllBytes(back)).as(e.getKey()).isEqualTo(e.getValue());
        }
        ItHarness.eventually(Duration.ofSeconds(120), () -> {
            Set<String> keys = h.keys("");
            assertThat(keys).as("every acknowledged file is in the bucket").containsAll(acknowledged.keySet());
            for (String key : keys) {
                assertThat(acknowledged.containsKey(key) || failed.contains(key))
                        .as("object " + key + " is a file the writer made").isTrue();
            }
            for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
                assertThat(h.objectBytes(e.getKey())).as("object " + e.getKey()).isEqualTo(e.getValue());
            }
        });
    }

    /** The command's exit code, or -1 if it had not ended after {@code seconds}. */
    private int libnfsExit(int seconds, String... command) throws Exception {
        return ChildGroup.libnfs(tmp.resolve("libnfs.log"), seconds, command);
    }
}
