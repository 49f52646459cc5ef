package dev.regatta.dataplane.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ReconcilerTest {

    /** Records what it is asked; fails to serve "fs-flaky" the first time. */
    static final class RecordingHost implements FileSystemHost {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger flakyAttempts = new AtomicInteger();

        @Override
        public void serve(AssignedFileSystem fs, String nodeId) {
            if (fs.id().equals("fs-flaky") && flakyAttempts.incrementAndGet() == 1) {
                throw new IllegalStateException("disk full");
            }
            calls.add("serve " + fs.id() + " " + fs.keyPrefix());
        }

        @Override
        public void stop(String id) {
            calls.add("stop " + id);
        }

        @Override
        public void onStatusChange(Runnable tell) {
        }

        @Override
        public List<FileSystemReport> reports() {
            return List.of();
        }
    }

    static AssignedFileSystem fs(String id, String prefix, String... grants) {
        return new AssignedFileSystem(id, "bucket", "us-east-1", null, prefix, 0, 0, 0644, 0755, 300, 3600,
                java.util.Arrays.stream(grants).map(g -> new Grant(g, "arn:aws:iam::1:role/r", "READ_ONLY", true))
                        .toList(), List.of());
    }

    @Test
    void servesNewStopsGoneRestartsChangedAndLeavesGrantOnlyChangesAlone() throws Exception {
        RecordingHost host = new RecordingHost();
        try (Reconciler reconciler = new Reconciler(host)) {
            reconciler.apply(List.of(fs("fs-a", ""), fs("fs-b", "")), "node-test");
            awaitCalls(host, 2);
            assertThat(host.calls).containsExactlyInAnyOrder("serve fs-a ", "serve fs-b ");

            reconciler.apply(List.of(fs("fs-a", "", "grant-1"), fs("fs-c", "x")), "node-test");
            awaitCalls(host, 4);
            assertThat(host.calls.subList(2, 4)).containsExactly("stop fs-b", "serve fs-c x");

            reconciler.apply(List.of(fs("fs-a", "new"), fs("fs-c", "x")), "node-test");
            awaitCalls(host, 5);
            assertThat(host.calls.get(4)).isEqualTo("serve fs-a new");
            Thread.sleep(100);
            assertThat(host.calls).hasSize(5);
        }
    }

    @Test
    void aFileSystemThatFailedToStartIsTriedAgainWithTheNextAssignment() throws Exception {
        RecordingHost host = new RecordingHost();
        try (Reconciler reconciler = new Reconciler(host)) {
            reconciler.apply(List.of(fs("fs-flaky", "")), "node-test");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (host.flakyAttempts.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(host.calls).isEmpty();
            reconciler.apply(List.of(fs("fs-flaky", "")), "node-test");
            awaitCalls(host, 1);
            assertThat(host.calls).containsExactly("serve fs-flaky ");
        }
    }

    private static void awaitCalls(RecordingHost host, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (host.calls.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(host.calls).hasSizeGreaterThanOrEqualTo(count);
    }
}
