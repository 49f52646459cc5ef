package dev.regatta.dataplane.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The grant counts an operator scrapes: always there for an assigned file system, gone with it. */
class AssignedGrantsTest {

    static AssignedFileSystem fs(String id, int grants) {
        List<Grant> list = java.util.stream.IntStream.range(0, grants)
                .mapToObj(i -> new Grant("grant-" + i, "arn:aws:iam::123456789012:role/app", "READ_WRITE", false))
                .toList();
        return new AssignedFileSystem(id, "bucket", "us-east-1", null, "", 0, 0, 0644, 0755, 5, 60, list, List.of());
    }

    @Test
    void aScrapeDuringAHeartbeatAnswerAlwaysFindsTheGrantCount() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AssignedGrants grants = new AssignedGrants(registry);
        grants.replace(List.of(fs("fs-a", 2)));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger missing = new AtomicInteger();
        Thread scraper = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                Gauge g = registry.find("node_grants").tag("fs", "fs-a").gauge();
                if (g == null) {
                    missing.incrementAndGet();
                }
            }
        });
        for (int i = 0; i < 20_000; i++) {
            grants.replace(List.of(fs("fs-a", 1 + i % 2)));
        }
        done.set(true);
        scraper.join();
        assertThat(missing.get()).as("scrapes that found no node_grants for an assigned file system").isZero();
    }

    @Test
    void theCountFollowsEachAnswerAndGoesWithTheFileSystem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AssignedGrants grants = new AssignedGrants(registry);
        grants.replace(List.of(fs("fs-a", 2), fs("fs-b", 1)));
        assertThat(registry.get("node_grants").tag("fs", "fs-a").gauge().value()).isEqualTo(2);
        grants.replace(List.of(fs("fs-a", 1)));
        assertThat(registry.get("node_grants").tag("fs", "fs-a").gauge().value()).isEqualTo(1);
        assertThat(registry.find("node_grants").tag("fs", "fs-b").gauge()).isNull();
    }
}
