package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.s3.ForwardingObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * While clients keep changing files, uploads that are due only by their quiet period run a quarter as many at a time
 * (here one of four), so that they leave the node's cores to the clients' calls; once the changes pause the backlog
 * drains at full concurrency, and nothing is left behind.
 */
class UploadsGiveWayTest extends RigTest {

    /** Counts PUTs in flight, each held long enough that uploads allowed to overlap do. */
    static final class ConcurrentPuts extends ForwardingObjectStore {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        ConcurrentPuts(ObjectStore real) {
            super(real);
        }

        @Override
        public String put(String key, Path file, long offset, long length, Map<String, String> metadata)
                throws ObjectStoreException {
            max.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(400);
                return real.put(key, file, offset, length, metadata);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Test
    void dueUploadsRunOneAtATimeWhileAClientKeepsWritingAndAllOnceItPauses() throws Exception {
        ConcurrentPuts[] store = new ConcurrentPuts[1];
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false, real -> store[0] = new ConcurrentPuts(real));
        fs = rig.fs;
        root = fs.rootId();
        ConcurrentPuts puts = store[0];
        rig.startSync(Duration.ofMillis(100), Duration.ofMinutes(1), 5 << 20, 5 << 20); // 4 uploads at once
        for (int i = 0; i < 12; i++) {
            rig.write(rig.create(root, "f" + i), 0, "file " + i);
        }
        long busy = rig.create(root, "busy");
        long until = System.nanoTime() + 1_500_000_000L;
        int written = 0;
        double mostStarted = 0;
        double mostHeldBack = 0;
        while (System.nanoTime() < until) {
            rig.write(busy, written, "x");
            written++;
            Thread.sleep(50);
            mostStarted = Math.max(mostStarted, gauge("sync_uploads_running"));
            mostHeldBack = Math.max(mostHeldBack, gauge("sync_uploads_waiting_for_quiet"));
        }
        assertThat(puts.max.get()).as("PUTs at once while the client wrote every 50 ms").isEqualTo(1);
        // Held back, an upload is a place in a queue, not a thread waiting for its turn: thousands of such threads,
        // each polling for a slot, once took a core of their own.
        assertThat(mostStarted).as("upload attempts started while the client wrote").isEqualTo(1);
        assertThat(mostHeldBack).as("uploads held back while the client wrote").isGreaterThanOrEqualTo(10);
        assertThat(rig.requests("put")).as("uploads went on, one at a time, while it wrote").isPositive();

        puts.max.set(puts.running.get());
        awaitDrained();
        assertThat(puts.max.get()).as("PUTs at once after the client paused").isGreaterThan(1);
        for (int i = 0; i < 12; i++) {
            assertThat(new String(rig.getObject("f" + i))).isEqualTo("file " + i);
        }
        assertThat(rig.getObject("busy")).hasSize(written);
    }

    private double gauge(String name) {
        return rig.metrics.get(name).gauge().value();
    }

    private void awaitDrained() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!rig.store.read(tx -> tx.dirtyQueue().isEmpty())) {
            assertThat(System.nanoTime()).as("sync queue drained in time").isLessThan(until);
            Thread.sleep(50);
        }
    }
}
