package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class GatedFileSystemTest {

    @Test
    void closingWaitsForCallsInFlightThenAnswersStale() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        VirtualFileSystem slow = (VirtualFileSystem) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {VirtualFileSystem.class}, (proxy, method, args) -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
        GatedFileSystem gate = new GatedFileSystem(slow);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> call = pool.submit(() -> gate.getattr(1));
            inside.await();
            assertThat(gate.callsInFlight()).isEqualTo(1);
            assertThat(gate.close(Duration.ofMillis(100))).as("a call is still inside").isFalse();
            assertThatThrownBy(() -> gate.getattr(1)).isInstanceOf(FsException.class)
                    .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.STALE);
            Future<Boolean> closed = pool.submit(() -> gate.close(Duration.ofSeconds(10)));
            release.countDown();
            call.get();
            assertThat(closed.get()).isTrue();
        }
        assertThat(gate.callsInFlight()).isZero();
    }
}
