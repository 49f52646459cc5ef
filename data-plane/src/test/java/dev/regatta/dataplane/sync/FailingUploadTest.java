package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.RigTest;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.regatta.dataplane.fs.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upload S3 refuses for good is retried, but shown: a gauge, a counter by error code, one warning naming the file
 * and S3's answer, and the file in the backlog the node reports. The refusal is S3Proxy's own: it reserves keys
 * starting with ".mpus-" (400 InvalidArgument), so a file of that name can never be uploaded to it.
 */
class FailingUploadTest extends RigTest {

    static final long MIB = 1 << 20;

    ListAppender<ILoggingEvent> logs;
    Logger engineLogger;

    @BeforeEach
    void setUp() {
        open(Duration.ofHours(1));
        engineLogger = (Logger) LoggerFactory.getLogger(SyncEngine.class);
        logs = new ListAppender<>();
        logs.start();
        engineLogger.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        engineLogger.detachAppender(logs);
    }

    double failingGauge() {
        return rig.metrics.get("sync_failing_files").gauge().value();
    }

    double failures(String code) {
        var counter = rig.metrics.find("sync_failures_total").tag("code", code).counter();
        return counter == null ? 0 : counter.count();
    }

    List<ILoggingEvent> warnings() {
        return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    }

    @Test
    void aRefusedUploadIsRetriedAndReportedOnceAsFailingWithItsPathAndS3Error() throws Exception {
        rig.startSync(Duration.ofMillis(100), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long stuck = rig.create(root, ".mpus-stuck");
        rig.write(stuck, 0, "refused");
        rig.write(rig.create(root, "fine"), 0, "uploaded");

        // flush() retries at once, however the engine backs off: several attempts, and the queue never drains.
        while (failures("InvalidArgument") < 3) {
            assertThat(rig.sync.flush(Duration.ofMillis(500))).as("a refused file keeps the queue").isFalse();
        }

        assertThat(rig.exists("fine")).as("the other file is not held up").isTrue();
        assertThat(failingGauge()).isEqualTo(1);
        SyncEngine.Backlog backlog = rig.sync.backlog();
        assertThat(backlog.files()).isEqualTo(1);
        assertThat(backlog.failingFiles()).isEqualTo(1);
        assertThat(backlog.failing()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/.mpus-stuck");
            assertThat(f.code()).isEqualTo("InvalidArgument");
            assertThat(f.error()).contains("put", ".mpus-stuck", "HTTP 400", "InvalidArgument");
            assertThat(f.attempts()).isGreaterThanOrEqualTo(3);
        });
        assertThat(warnings()).as("one warning for the file, not one per attempt").singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("/.mpus-stuck", "is failing",
                        "HTTP 400 InvalidArgument"));

        // Removing the file ends it.
        rig.fs.remove(Caller.ROOT, root, ".mpus-stuck");
        assertThat(rig.sync.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(failingGauge()).isZero();
        assertThat(rig.sync.backlog().failing()).isEmpty();
    }

    @Test
    void aFailingFileThatUploadsAfterAllIsLoggedAsRecovered() throws Exception {
        rig.startSync(Duration.ofMillis(100), Duration.ofSeconds(30), 5 * MIB, 5 * MIB);
        long f = rig.create(root, ".mpus-renamed-later");
        rig.write(f, 0, "data");
        while (failingGauge() < 1) {
            assertThat(rig.sync.flush(Duration.ofMillis(500))).isFalse();
        }

        rig.fs.rename(Caller.ROOT, root, ".mpus-renamed-later", root, "renamed");
        assertThat(rig.sync.flush(Duration.ofSeconds(20))).isTrue();

        assertThat(rig.getObject("renamed")).asString().isEqualTo("data");
        assertThat(failingGauge()).isZero();
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("/renamed", "succeeded after"));
    }
}
