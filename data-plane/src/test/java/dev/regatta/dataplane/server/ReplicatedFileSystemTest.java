package dev.regatta.dataplane.server;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.GatedFileSystem;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.meta.Replication;
import dev.regatta.dataplane.meta.ReplicationServer;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One file system served by a replication group of three nodes' instances, over one in-memory S3 bucket: what the
 * leader acknowledged, every byte of it, is served by the next leader when the first one stops without uploading.
 */
class ReplicatedFileSystemTest {

    static final String ACCESS_KEY = "replicated-access";
    static final String SECRET_KEY = "replicated-secret-0123456789";
    static final String BUCKET = "replicated";

    static LocalS3Endpoint s3;
    static S3Client raw;

    @TempDir
    Path dir;
    final List<Replication.Member> members = new ArrayList<>();
    final FileSystemInstance[] instances = new FileSystemInstance[3];
    final ReplicationServer[] servers = new ReplicationServer[3];
    final GatedFileSystem[] gates = new GatedFileSystem[3];
    /** What each node's lock service was given when it came to serve the file system; null until then. */
    final MonitoredHosts[] lockHosts = new MonitoredHosts[3];
    final int[] lockStates = new int[3];
    final boolean[] locksStopped = new boolean[3];

    @BeforeAll
    static void startS3() {
        s3 = LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
        raw = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        raw.close();
        s3.close();
    }

    @BeforeEach
    void startGroup() throws IOException {
        for (int i = 0; i < 3; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                members.add(new Replication.Member("node-" + i, "127.0.0.1", s.getLocalPort()));
            }
        }
        for (int i = 0; i < 3; i++) {
            // A quiet period and a deadline of an hour: nothing reaches the bucket until the test flushes.
            Path nodeDir = dir.resolve("node-" + i);
            DataPlaneConfig node = DataPlaneConfig.defaults(nodeDir)
                    .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, BUCKET, "",
                            true))
                    .withTimings(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(30));
            FileSystemSettings settings = new FileSystemSettings("fs-r", "/fs-r", s3.endpoint(), "us-east-1",
                    BUCKET, "", new DataPlaneConfig.Defaults(0, 0, 0644, 0755), Duration.ofHours(1),
                    Duration.ofHours(1), new Replication("fs-r", members));
            servers[i] = new ReplicationServer("node-" + i, "127.0.0.1", members.get(i).port(),
                    nodeDir.resolve("replication"), Duration.ofMillis(400));
            servers[i].start();
            instances[i] = new FileSystemInstance(nodeDir.resolve("fs-r"), settings, node,
                    new S3ObjectStore(raw, BUCKET, new SimpleMeterRegistry()), 1, new SimpleMeterRegistry(),
                    servers[i], () -> { }, lockService(i));
            gates[i] = GatedFileSystem.serving(instances[i]::fileSystem);
        }
    }

    /** Records what a node's lock service is told, as {@code Nlm.serving} would take it (moving the state on). */
    private FileSystemInstance.Locks lockService(int node) {
        return new FileSystemInstance.Locks() {
            @Override
            public void serving(MonitoredHosts hosts) throws IOException {
                lockStates[node] = hosts.nextState();
                lockHosts[node] = hosts;
            }

            @Override
            public void stopped() {
                locksStopped[node] = true;
            }
        };
    }

    @AfterEach
    void stopGroup() {
        for (FileSystemInstance instance : instances) {
            if (instance != null) {
                instance.close();
            }
        }
        for (ReplicationServer server : servers) {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private int leader() throws InterruptedException {
        int[] found = {-1};
        await("a node serves the file system", () -> {
            for (int i = 0; i < 3; i++) {
                if (instances[i] != null && instances[i].fileSystem() != null) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static byte[] read(VirtualFileSystem fs, String name) throws FsException {
        long id = fs.lookup(Caller.ROOT, fs.rootId(), name).fileId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long offset = 0; ; ) {
            Results.Read r = fs.read(Caller.ROOT, id, offset, 1 << 20);
            try {
                ByteBuffer data = r.data();
                byte[] chunk = new byte[data.remaining()];
                data.get(chunk);
                out.writeBytes(chunk);
                offset += chunk.length;
                if (r.eof() || chunk.length == 0) {
                    return out.toByteArray();
                }
            } finally {
                r.release();
            }
        }
    }

    @Test
    void theNextLeaderLearnsWhichHostsTookLocksThroughTheLastOneSoItCanTellThemToReclaim() throws Exception {
        int first = leader();
        assertThat(lockHosts[first]).as("the leader's lock service was told before it served").isNotNull();
        for (int i = 0; i < 3; i++) {
            assertThat(lockHosts[i] == null).as("node " + i + " serves locks only while it leads")
                    .isEqualTo(i != first);
        }
        assertThat(lockHosts[first].all()).isEmpty();
        MonitoredHosts.Host alpha = new MonitoredHosts.Host("mount-7@10.0.0.5", "alpha", "10.0.0.5", "127.0.0.1");
        assertThat(lockHosts[first].add(alpha)).isTrue(); // as Nlm does before granting alpha's first lock

        instances[first].close();
        assertThat(locksStopped[first]).as("the old leader forgets its locks").isTrue();
        instances[first] = null;
        servers[first].close();
        servers[first] = null;

        int next = leader();
        assertThat(lockHosts[next]).isNotNull();
        assertThat(lockHosts[next].all()).as("the hosts, from the group's log").containsExactly(alpha);
        assertThat(lockStates[next]).as("a newer NSM state than the last leader's").isGreaterThan(lockStates[first])
                .isOdd();
    }

    @Test
    void everyAcknowledgedByteIsServedByTheNextLeaderWhenTheLeaderStopsBeforeUploading() throws Exception {
        int first = leader();
        VirtualFileSystem fs = gates[first];
        Random random = new Random(17);
        Map<String, byte[]> written = new LinkedHashMap<>();
        for (int n = 0; n < 30; n++) {
            byte[] data = new byte[(n % 3 == 0 ? 1 << 20 : 1000 + 7919 * n)];
            random.nextBytes(data);
            String name = "file-" + n;
            long id = fs.create(Caller.ROOT, fs.rootId(), name, CreateMode.GUARDED, SetAttributes.NONE, 0).fileId();
            // Half stable writes, half unstable ones made durable by COMMIT, in pieces as a client sends them.
            Stability stability = n % 2 == 0 ? Stability.FILE_SYNC : Stability.UNSTABLE;
            for (int offset = 0; offset < data.length; offset += 256 << 10) {
                int length = Math.min(256 << 10, data.length - offset);
                fs.write(Caller.ROOT, id, offset, ByteBuffer.wrap(data, offset, length), stability);
            }
            if (stability == Stability.UNSTABLE) {
                fs.commit(id, 0, 0);
            }
            written.put(name, data);
        }
        fs.symlink(Caller.ROOT, fs.rootId(), "link", "file-0", SetAttributes.NONE);
        // A cut: the file's tail goes on every member.
        long cut = fs.lookup(Caller.ROOT, fs.rootId(), "file-3").fileId();
        fs.setattr(Caller.ROOT, cut, new SetAttributes(null, null, null, 100L, null, null), null);
        written.put("file-3", java.util.Arrays.copyOf(written.get("file-3"), 100));

        int follower = (first + 1) % 3;
        assertThatThrownBy(() -> gates[follower].getattr(gates[follower].rootId()))
                .isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error())
                .isEqualTo(FsError.JUKEBOX);

        assertThat(instances[follower].servingHandleKey()).as("a follower makes no handles").isNull();
        byte[] handleKey = instances[first].servingHandleKey();

        // The leader stops without uploading anything: its disk and its process are gone for this test.
        instances[first].close();
        instances[first] = null;
        servers[first].close();
        servers[first] = null;
        assertThat(raw.listObjectsV2(b -> b.bucket(BUCKET)).contents()).as("nothing was uploaded").isEmpty();

        int next = leader();
        assertThat(next).isNotEqualTo(first);
        assertThat(instances[next].servingHandleKey()).as("the file system's handle key, made by the first leader")
                .isNotNull().isEqualTo(handleKey);
        VirtualFileSystem now = gates[next];
        for (Map.Entry<String, byte[]> e : written.entrySet()) {
            assertThat(read(now, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        long link = now.lookup(Caller.ROOT, now.rootId(), "link").fileId();
        assertThat(now.readlink(Caller.ROOT, link).target()).isEqualTo("file-0");

        // The new leader uploads what the old one never did: the bucket converges.
        assertThat(instances[next].flush(Duration.ofSeconds(60))).isTrue();
        for (Map.Entry<String, byte[]> e : written.entrySet()) {
            byte[] object = raw.getObject(b -> b.bucket(BUCKET).key(e.getKey()), ResponseTransformer.toBytes())
                    .asByteArray();
            assertThat(object).as("object " + e.getKey()).isEqualTo(e.getValue());
        }
    }
}
