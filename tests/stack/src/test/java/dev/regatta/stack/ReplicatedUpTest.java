package dev.regatta.stack;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code regatta up --replicas 3}: the demo file system on a replication group of three node processes, in zones of
 * their own. A client writes 30 files of 1 MiB through the leader with libnfs ({@code nfs-cp} writes and then
 * COMMITs: the stable reply, which on a group means a majority of the members hold the bytes). The leader is killed
 * with SIGKILL and its data directory deleted: the control plane names another leader within 15 s, every file reads
 * back identical through it, and the bucket gets every object. {@code up} starts the dead node again, which has lost
 * everything: it registers anew, takes the dead node's place in the group, and catches up from the log; the group
 * then outlives its second leader too; and when up is killed, its nodes end with it.
 */
class ReplicatedUpTest {

    private static final Duration START = Duration.ofMinutes(4);
    private static final Pattern NODE_LINE = Pattern.compile(
            "regatta: node (node-\\d) nfs 127\\.0\\.0\\.1:(\\d+) tls 127\\.0\\.0\\.1:(\\d+) pid (\\d+)(.*)");
    private static final Pattern FILE_SYSTEM_LINE = Pattern.compile(
            "regatta: file system (fs-[0-9a-f]{17}) \\(demo\\) on a group of 3 nodes, led by (node-\\d), .*");

    @TempDir
    Path dir;

    /** What up said of a node: its ports and its current process. */
    private record Node(String name, int nfsPort, long pid) {
    }

    @Test
    void aGroupOfThreeOutlivesItsLeadersDeathAndDiskAndTheReplacementCatchesUp() throws Exception {
        Path data = dir.resolve("data");
        try {
            run(data);
        } finally {
            // The temporary directory goes with the test; what each node said stays for a failure's reader.
            for (String node : new String[] {"node-1", "node-2", "node-3"}) {
                Path log = data.resolve(node).resolve("data-plane.log");
                if (Files.exists(log)) {
                    Files.copy(log, Path.of("target", "replicated-up-" + node + ".log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private void run(Path data) throws Exception {
        try (RegattaUp up = RegattaUp.start(dir.resolve("up.log"), Map.of(), "--replicas", "3",
                "--data-dir", data.toString(), "--s3-port", "0", "--api-port", "0",
                // Nothing goes up for a while after a file's first change: what the next leader serves came from the
                // group, not the bucket. Each file is in the bucket by then.
                "--quiet-period", "1h", "--flush-deadline", "45s")) {
            up.awaitLine("regatta: ready", START);
            Map<String, Node> nodes = new HashMap<>();
            for (String line : up.seen()) {
                Matcher m = NODE_LINE.matcher(line);
                if (m.matches()) {
                    nodes.put(m.group(1), new Node(m.group(1), Integer.parseInt(m.group(2)),
                            Long.parseLong(m.group(4))));
                }
            }
            assertThat(nodes).as("up's node lines").containsOnlyKeys("node-1", "node-2", "node-3");
            Matcher fs = up.seenLine(FILE_SYSTEM_LINE);
            String fsId = fs.group(1);
            Matcher apiLine = up.seenLine(RegattaUp.API_LINE);
            Api api = new Api(URI.create(apiLine.group(1)), apiLine.group(2));
            JsonNode[] placed = new JsonNode[1];
            eventually(Duration.ofSeconds(30), "the status names the leader up named", () -> {
                placed[0] = status(api, fsId);
                return placed[0].path("placement").asText().equals("placed on 3 nodes in 3 zones")
                        && !placed[0].path("leader").isNull();
            }, () -> "the status said " + placed[0]);
            JsonNode status = placed[0];
            String leaderId = status.path("leader").asText();
            Node leader = nodes.get(nameOf(status, leaderId));
            assertThat(leader.name()).as("the leader up named").isEqualTo(fs.group(2));

            Map<String, byte[]> written = new LinkedHashMap<>();
            Random random = new Random(17);
            for (int n = 0; n < 30; n++) {
                byte[] bytes = new byte[1 << 20];
                random.nextBytes(bytes);
                Path source = dir.resolve("source-" + n);
                Files.write(source, bytes);
                libnfs("nfs-cp", source.toString(), url(leader, "file-" + n));
                written.put("file-" + n, bytes);
            }
            // Ratis counts no vote of a member that has heard nothing yet: start from a group whose members all
            // hold the log with every file (the control plane hears it in their heartbeats). Not "lag 0": the
            // leader's own uploads keep adding entries, and members report at moments of their own.
            awaitCaughtUp(api, fsId, Instant.now(), Duration.ofSeconds(90), member -> true);

            S3Client bucket = bucket(up);
            int uploadedBeforeKill = 0;
            for (String key : written.keySet()) {
                uploadedBeforeKill += exists(bucket, key) ? 1 : 0;
            }
            ProcessHandle process = ProcessHandle.of(leader.pid()).orElseThrow();
            process.destroyForcibly();
            process.onExit().get(30, TimeUnit.SECONDS);
            long killedAt = System.nanoTime();
            deleteTree(data.resolve(leader.name()));

            String[] next = new String[1];
            eventually(Duration.ofSeconds(15), "the control plane names another leader", () -> {
                JsonNode now = status(api, fsId);
                String id = now.path("leader").asText(null);
                if (id == null || id.equals(leaderId)) {
                    return false;
                }
                next[0] = nameOf(now, id);
                return true;
            });
            System.out.printf("%s was named leader %d ms after %s was killed (%d of 30 objects were in the bucket"
                            + " then)%n", next[0], TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt),
                    leader.name(), uploadedBeforeKill);
            Node second = nodes.get(next[0]);
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                assertThat(readBack(second, e.getKey())).as(e.getKey() + " through " + second.name())
                        .isEqualTo(e.getValue());
            }
            eventually(Duration.ofSeconds(120), "the bucket has every object as written", () -> {
                for (Map.Entry<String, byte[]> e : written.entrySet()) {
                    if (!exists(bucket, e.getKey()) || !java.util.Arrays.equals(
                            bucket.getObject(b -> b.bucket("demo").key(e.getKey()),
                                    ResponseTransformer.toBytes()).asByteArray(), e.getValue())) {
                        return false;
                    }
                }
                return true;
            });

            // up starts the dead node again (5 s later): with an empty data directory it registers anew, takes the
            // dead node's place and catches up from the log.
            Matcher again = Pattern.compile(NODE_LINE.pattern()).matcher(up.awaitLine("regatta: node " + leader.name(),
                    Duration.ofSeconds(60)));
            assertThat(again.matches()).isTrue();
            assertThat(again.group(5)).contains("started again");
            Node returned = new Node(leader.name(), Integer.parseInt(again.group(2)), Long.parseLong(again.group(4)));
            nodes.put(returned.name(), returned);
            JsonNode[] last = new JsonNode[1];
            eventually(Duration.ofSeconds(90), "the new node takes the dead one's place as a follower", () -> {
                last[0] = status(api, fsId);
                for (JsonNode member : last[0].path("members")) {
                    if (member.path("node").asText().equals(returned.name())) {
                        return !member.path("nodeId").asText().equals(leaderId)
                                && member.path("role").asText().equals("follower");
                    }
                }
                return false;
            }, () -> "the status said " + last[0]);
            awaitCaughtUp(api, fsId, Instant.now(), Duration.ofSeconds(90),
                    member -> member.path("node").asText().equals(returned.name()));

            // It counts in the group: the second leader's death leaves it and the third member to elect one.
            ProcessHandle secondProcess = ProcessHandle.of(second.pid()).orElseThrow();
            secondProcess.destroyForcibly();
            secondProcess.onExit().get(30, TimeUnit.SECONDS);
            String[] third = new String[1];
            eventually(Duration.ofSeconds(30), "a third leader", () -> {
                JsonNode now = status(api, fsId);
                String id = now.path("leader").asText(null);
                String name = id == null ? null : nameOf(now, id);
                if (name == null || name.equals(second.name())) {
                    return false;
                }
                third[0] = name;
                return true;
            });
            for (String key : new String[] {"file-0", "file-29"}) {
                assertThat(readBack(nodes.get(third[0]), key)).as(key + " through " + third[0])
                        .isEqualTo(written.get(key));
            }

            // However up ends, its nodes end with it (the one started again included).
            up.kill();
            for (Node node : nodes.values()) {
                ProcessHandle.of(node.pid()).ifPresent(p -> {
                    try {
                        p.onExit().get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new AssertionError(node.name() + " (pid " + node.pid() + ") outlived up", e);
                    }
                });
            }
        }
    }

    /**
     * Waits until the members chosen hold the group's log as it stood at {@code since}: first a leader's report made
     * after that moment gives the index, then each chosen member must report at least that index, live.
     */
    private static void awaitCaughtUp(Api api, String fsId, Instant since, Duration timeout,
                                      java.util.function.Predicate<JsonNode> chosen) throws Exception {
        long[] target = {-1};
        JsonNode[] last = new JsonNode[1];
        eventually(timeout, "the leader reports its log after " + since, () -> {
            last[0] = status(api, fsId);
            String leader = last[0].path("leader").asText(null);
            for (JsonNode member : last[0].path("members")) {
                if (member.path("nodeId").asText().equals(leader) && member.hasNonNull("appliedIndex")
                        && Instant.parse(member.path("reportedAt").asText()).isAfter(since)) {
                    target[0] = member.path("appliedIndex").asLong();
                    return true;
                }
            }
            return false;
        }, () -> "the status said " + last[0]);
        eventually(timeout, "the members hold the leader's log up to index " + target[0], () -> {
            last[0] = status(api, fsId);
            for (JsonNode member : last[0].path("members")) {
                if (chosen.test(member) && !(member.path("live").asBoolean()
                        && member.path("appliedIndex").asLong(-1) >= target[0])) {
                    return false;
                }
            }
            return true;
        }, () -> "the status said " + last[0]);
    }

    private static JsonNode status(Api api, String fsId) throws IOException, InterruptedException {
        Api.Answer answer = api.get("/api/v1/file-systems/" + fsId + "/status");
        assertThat(answer.status()).isEqualTo(200);
        return answer.body();
    }

    /** The name of the member with this node ID. */
    private static String nameOf(JsonNode status, String nodeId) {
        for (JsonNode member : status.path("members")) {
            if (member.path("nodeId").asText().equals(nodeId)) {
                return member.path("node").asText();
            }
        }
        throw new AssertionError("no member " + nodeId + " in " + status);
    }

    private static String url(Node node, String name) {
        return "nfs://127.0.0.1/fs-demo/" + name + "?nfsport=" + node.nfsPort() + "&mountport=" + node.nfsPort()
                + "&version=3";
    }

    private byte[] readBack(Node node, String name) throws Exception {
        Path back = dir.resolve("back-" + node.name() + "-" + name);
        Files.deleteIfExists(back);
        libnfs("nfs-cp", url(node, name), back.toString());
        return Files.readAllBytes(back);
    }

    private void libnfs(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("libnfs.log").toFile())).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command) + " ended").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + " (see libnfs.log)").isZero();
    }

    private static S3Client bucket(RegattaUp up) {
        Matcher s3 = up.seenLine(RegattaUp.S3_LINE);
        return S3Client.builder().endpointOverride(URI.create(s3.group(1))).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.group(3), s3.group(4))))
                .build();
    }

    private static boolean exists(S3Client bucket, String key) {
        try {
            bucket.headObject(b -> b.bucket("demo").key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void eventually(Duration timeout, String what, Condition condition) throws Exception {
        eventually(timeout, what, condition, () -> "");
    }

    private static void eventually(Duration timeout, String what, Condition condition,
                                   java.util.function.Supplier<String> seen) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "; " + seen.get());
            }
            Thread.sleep(200);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
