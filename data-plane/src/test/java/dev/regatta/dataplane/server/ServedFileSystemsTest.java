package dev.regatta.dataplane.server;

import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.node.AssignedFileSystem;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.locks.ByteRangeLock;
import dev.regatta.dataplane.locks.FileKey;
import dev.regatta.dataplane.locks.LockManager;
import dev.regatta.dataplane.nfs.nlm.Nlm;
import dev.regatta.dataplane.locks.LockOwner;
import dev.regatta.dataplane.locks.LockRange;
import dev.regatta.dataplane.node.FileSystemReport;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** File systems served and stopped at runtime, over an in-memory S3Proxy, without an NFS server. */
class ServedFileSystemsTest {

    static final String ACCESS_KEY = "served-access";
    static final String SECRET_KEY = "served-secret-0123456789";

    static LocalS3Endpoint s3;
    static S3Client raw;

    @TempDir
    Path dir;
    final ExportTable exports = new ExportTable();
    final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ServedFileSystems served;

    @BeforeAll
    static void startS3() {
        s3 = LocalS3Endpoint.startInMemory(0, ACCESS_KEY, SECRET_KEY);
        raw = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, true);
        s3.createBucket("bucket-a");
        s3.createBucket("bucket-b");
    }

    @AfterAll
    static void stopS3() {
        raw.close();
        s3.close();
    }

    @BeforeEach
    void start() {
        served = open();
    }

    @AfterEach
    void stop() {
        served.close();
    }

    ServedFileSystems open() {
        // A quiet period of an hour: changes stay dirty until a flush, so the tests see them.
        DataPlaneConfig node = DataPlaneConfig.defaults(dir)
                .withS3(new DataPlaneConfig.S3(null, "us-east-1", ACCESS_KEY, SECRET_KEY, "unused", "", true))
                .withTimings(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(30));
        return new ServedFileSystems(node, exports, metrics, true, new ClientActivity(Duration.ofMinutes(5)));
    }

    static FileSystemSettings settings(String id, String bucket, String prefix) {
        return new FileSystemSettings(id, "/" + id, s3.endpoint(), "us-east-1", bucket, prefix,
                new DataPlaneConfig.Defaults(0, 0, 0644, 0755), Duration.ofHours(1), Duration.ofHours(1), null);
    }

    int indexOf(String id) {
        return exports.byPath("/" + id).orElseThrow().index();
    }

    static long write(VirtualFileSystem fs, String name, int bytes) throws FsException {
        long file = fs.create(Caller.ROOT, fs.rootId(), name, CreateMode.GUARDED, SetAttributes.NONE, 0).fileId();
        fs.write(Caller.ROOT, file, 0, ByteBuffer.wrap(new byte[bytes]), Stability.FILE_SYNC);
        return file;
    }

    @Test
    void aGroupMemberWhoseFileSystemCannotStartHereSendsItsMountsToTheOtherMembers() {
        // This node has no replication port: a group placed on it cannot start here.
        AssignedFileSystem group = new AssignedFileSystem("fs-g", "bucket-a", "us-east-1", s3.endpoint().toString(),
                "g", 0, 0, 0644, 0755, 3600, 3600, List.of(), List.of(
                new AssignedFileSystem.Member("node-a", "a", "127.0.0.1:7001"),
                new AssignedFileSystem.Member("node-b", "b", "127.0.0.1:7002"),
                new AssignedFileSystem.Member("node-c", "c", "127.0.0.1:7003")));
        assertThatThrownBy(() -> served.serve(group, "node-a")).hasMessageContaining("no replication port");
        assertThat(served.follows("fs-g")).as("its tunnels try another member rather than get STALE here").isTrue();

        served.stop("fs-g");
        assertThat(served.follows("fs-g")).as("no longer assigned: the grants decide").isFalse();
        served.serve(settings("fs-a", "bucket-a", "alone"));
        assertThat(served.follows("fs-a")).as("a file system served alone").isFalse();
    }

    @Test
    void exportIndexesSurviveRestartsAndAreNeverReused() {
        served.serve(settings("fs-a", "bucket-a", "idx"));
        served.serve(settings("fs-b", "bucket-a", "idx2"));
        assertThat(indexOf("fs-a")).isZero();
        assertThat(indexOf("fs-b")).isEqualTo(1);
        served.stop("fs-a");
        served.serve(settings("fs-c", "bucket-a", "idx3"));
        assertThat(indexOf("fs-c")).as("fs-a's index stays fs-a's").isEqualTo(2);

        served.close();
        served = open();
        served.serve(settings("fs-c", "bucket-a", "idx3"));
        served.serve(settings("fs-a", "bucket-a", "idx"));
        assertThat(indexOf("fs-c")).isEqualTo(2);
        assertThat(indexOf("fs-a")).isZero();
        served.serve(settings("fs-d", "bucket-a", "idx4"));
        assertThat(indexOf("fs-d")).isEqualTo(3);
    }

    @Test
    void aStoppedFileSystemUploadsItsChangesAndAnswersStaleThenResumesWhenServedAgain() throws Exception {
        served.serve(settings("fs-a", "bucket-a", "stop"));
        ExportTable.Export export = exports.byPath("/fs-a").orElseThrow();
        long file = write(export.fileSystem(), "kept", 10);

        served.stop("fs-a");
        assertThat(raw.headObject(b -> b.bucket("bucket-a").key("stop/kept")).contentLength())
                .as("uploaded before closing").isEqualTo(10);
        assertThat(exports.byIndex(export.index())).isEmpty();
        assertThat(served.instance("fs-a")).isEmpty();
        assertThatThrownBy(() -> export.fileSystem().getattr(file)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.STALE);
        assertThat(dir.resolve("fs/fs-a/meta")).as("its state stays").isDirectory();

        served.serve(settings("fs-a", "bucket-a", "stop"));
        ExportTable.Export again = exports.byPath("/fs-a").orElseThrow();
        assertThat(again.index()).isEqualTo(export.index());
        assertThat(again.fileSystem().getattr(file).size()).as("the old handle's file, resumed").isEqualTo(10);
    }

    @Test
    void eachFileSystemHasItsOwnMetersAndReport() throws Exception {
        served.serve(settings("fs-a", "bucket-a", "m"));
        served.serve(settings("fs-b", "bucket-b", "m"));
        write(exports.byPath("/fs-a").orElseThrow().fileSystem(), "one", 1000);
        write(exports.byPath("/fs-b").orElseThrow().fileSystem(), "two", 3000);

        Map<String, FileSystemReport> reports = reports();
        assertThat(reports.get("fs-a").dirtyBytes()).isEqualTo(1000);
        assertThat(reports.get("fs-b").dirtyBytes()).isEqualTo(3000);
        assertThat(reports.get("fs-a").cacheBytes()).isEqualTo(1000);
        assertThat(reports.get("fs-a").nfsOperations()).as("no NFS call yet").isZero();
        String scrape = metrics.scrape();
        assertThat(scrape).contains("sync_dirty_bytes{fs=\"fs-a\"} 1000.0", "sync_dirty_bytes{fs=\"fs-b\"} 3000.0");

        assertThat(served.instance("fs-a").orElseThrow().flush(Duration.ofSeconds(30))).isTrue();
        reports = reports();
        assertThat(reports.get("fs-a").dirtyBytes()).isZero();
        assertThat(reports.get("fs-a").s3Requests()).containsEntry("PUT", 1L);
        assertThat(reports.get("fs-b").dirtyBytes()).isEqualTo(3000);
        assertThat(reports.get("fs-b").s3Requests()).containsEntry("PUT", 0L);
        assertThat(metrics.scrape()).contains("s3_requests_total{fs=\"fs-a\",type=\"put\"} 1.0",
                "s3_requests_total{fs=\"fs-b\",type=\"put\"} 0.0");

        VirtualFileSystem a = exports.byPath("/fs-a").orElseThrow().fileSystem();
        long one = a.lookup(Caller.ROOT, a.rootId(), "one").fileId();
        a.read(Caller.ROOT, one, 0, 1000);
        a.read(Caller.ROOT, one, 0, 1000);
        assertThat(reports().get("fs-a").cacheHitRatio()).isEqualTo(1.0);
        assertThat(reports().get("fs-b").cacheHitRatio()).as("no reads yet").isZero();

        served.stop("fs-b");
        assertThat(metrics.scrape()).doesNotContain("fs=\"fs-b\"").contains("fs=\"fs-a\"");
        assertThat(reports()).containsOnlyKeys("fs-a");
    }

    @Test
    void theReportNamesAFileWhoseUploadS3Refuses() throws Exception {
        // No prefix: the key is ".mpus-stuck", which S3Proxy reserves and refuses with 400 InvalidArgument.
        served.serve(settings("fs-a", "bucket-a", ""));
        VirtualFileSystem a = exports.byPath("/fs-a").orElseThrow().fileSystem();
        write(a, ".mpus-stuck", 10);
        assertThat(served.instance("fs-a").orElseThrow().flush(Duration.ofSeconds(1))).isFalse();

        FileSystemReport report = reports().get("fs-a");
        assertThat(report.failingFiles()).isEqualTo(1);
        assertThat(report.failing()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/.mpus-stuck");
            assertThat(f.code()).isEqualTo("InvalidArgument");
            assertThat(f.error()).contains("HTTP 400");
            assertThat(f.attempts()).isPositive();
            assertThat(java.time.Instant.parse(f.since())).isBeforeOrEqualTo(java.time.Instant.now());
        });
        assertThat(metrics.scrape()).contains("sync_failing_files{fs=\"fs-a\"} 1.0");

        a.remove(Caller.ROOT, a.rootId(), ".mpus-stuck");
        assertThat(served.instance("fs-a").orElseThrow().flush(Duration.ofSeconds(30))).isTrue();
        assertThat(reports().get("fs-a").failingFiles()).isZero();
    }

    @Test
    void lockMetersCarryTheFileSystemTag() throws Exception {
        served.close();
        Nlm nlm = Nlm.inMemory();
        LockManager locks = nlm.locks();
        DataPlaneConfig node = DataPlaneConfig.defaults(dir)
                .withS3(new DataPlaneConfig.S3(null, "us-east-1", ACCESS_KEY, SECRET_KEY, "unused", "", true));
        served = new ServedFileSystems(node, exports, metrics, true, new ClientActivity(Duration.ofMinutes(5)), nlm);
        served.serve(settings("fs-a", "bucket-a", "locks"));
        served.serve(settings("fs-b", "bucket-b", "locks"));
        LockOwner owner = new LockOwner("10.0.0.1", "alpha", 1, new byte[] {1});
        locks.lock(new FileKey(indexOf("fs-a"), 5), new ByteRangeLock(owner, LockRange.WHOLE_FILE, true), false, null);
        locks.countGrantCallback(indexOf("fs-a"), true);

        assertThat(metrics.scrape()).contains("nlm_locks_held{fs=\"fs-a\"} 1.0", "nlm_locks_held{fs=\"fs-b\"} 0.0",
                "nlm_locks_waiting{fs=\"fs-a\"} 0.0", "nlm_shares{fs=\"fs-a\"} 0.0",
                "nlm_granted_callbacks_total{fs=\"fs-a\",result=\"sent\"} 1.0",
                "nlm_granted_callbacks_total{fs=\"fs-a\",result=\"failed\"} 0.0");
        served.stop("fs-b");
        assertThat(metrics.scrape()).doesNotContain("nlm_locks_held{fs=\"fs-b\"}");
    }

    @Test
    void newSettingsRestartTheFileSystem() throws Exception {
        served.serve(settings("fs-a", "bucket-a", "first"));
        FileSystemInstance first = served.instance("fs-a").orElseThrow();
        served.serve(settings("fs-a", "bucket-a", "first"));
        assertThat(served.instance("fs-a")).as("same settings: left alone").containsSame(first);

        served.serve(settings("fs-a", "bucket-a", "second"));
        FileSystemInstance second = served.instance("fs-a").orElseThrow();
        assertThat(second).isNotSameAs(first);
        write(exports.byPath("/fs-a").orElseThrow().fileSystem(), "f", 3);
        assertThat(second.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(raw.headObject(b -> b.bucket("bucket-a").key("second/f")).contentLength()).isEqualTo(3);
    }

    @Test
    void anIdThatCannotNameADirectoryIsRefused() {
        assertThatThrownBy(() -> served.serve(settings("../escape", "bucket-a", "")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> served.serve(settings("a/b", "bucket-a", "")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(exports.all()).isEmpty();
    }

    @Test
    void aNodeWithoutControlPlaneKeepsItsMetersUntagged() throws Exception {
        DataPlaneConfig config = DataPlaneConfig.defaults(dir.resolve("static"))
                .withNfs("127.0.0.1", 0, false)
                .withMetricsPort(-1)
                .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY, "bucket-a",
                        "static", true));
        try (DataPlane plane = DataPlane.start(config)) {
            // tests/kernel/run reads these with awk '$1==name {print $2}'.
            assertThat(plane.scrapeMetrics()).containsPattern("(?m)^sync_dirty_files 0\\.0$")
                    .containsPattern("(?m)^sync_pending_deletes 0\\.0$")
                    .doesNotContain("fs=\"");
            assertThat(plane.fileSystem("fs-demo")).isPresent();
        }
    }

    private Map<String, FileSystemReport> reports() {
        return served.reports().stream().collect(Collectors.toMap(FileSystemReport::fileSystemId, Function.identity()));
    }
}
