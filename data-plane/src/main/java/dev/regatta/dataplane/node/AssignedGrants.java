package dev.regatta.dataplane.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The {@link GrantBook} the agent keeps: replaced whole by each assignment it learns. Each file system's grant count
 * is the gauge {@code node_grants{fs}}, so an operator can see a grant change reach the node.
 */
public final class AssignedGrants implements GrantBook {

    private final MultiGauge counts;
    private volatile Map<String, List<Grant>> byFileSystem = Map.of();
    /** Asks the agent for a heartbeat now; until there is an agent, there is nothing to ask. */
    private volatile Supplier<CompletableFuture<Void>> heartbeatNow = () -> CompletableFuture.completedFuture(null);

    public AssignedGrants(MeterRegistry metrics) {
        this.counts = MultiGauge.builder("node_grants")
                .description("Grants of each file system assigned to this node, as of the last heartbeat answer")
                .register(metrics);
    }

    void refreshWith(Supplier<CompletableFuture<Void>> heartbeatNow) {
        this.heartbeatNow = heartbeatNow;
    }

    void replace(List<AssignedFileSystem> assignments) {
        Map<String, List<Grant>> replaced = assignments.stream().collect(Collectors.toUnmodifiableMap(
                AssignedFileSystem::id, AssignedFileSystem::grants, (first, duplicate) -> first));
        byFileSystem = replaced;
        // Each row reads the current book, so rows that stay are kept as they are: re-registering them (overwrite)
        // removed each gauge for a moment, and a scrape then found no node_grants for a file system it serves.
        counts.register(replaced.keySet().stream()
                .map(fs -> MultiGauge.Row.of(Tags.of("fs", fs), this, book -> book.grantsOf(fs).size()))
                .toList(), false);
    }

    @Override
    public boolean isActive(String fileSystemId, String grantId) {
        return grantsOf(fileSystemId).stream().map(Grant::id).anyMatch(grantId::equals);
    }

    @Override
    public CompletionStage<Void> refresh() {
        return heartbeatNow.get();
    }

    @Override
    public List<Grant> grantsOf(String fileSystemId) {
        return byFileSystem.getOrDefault(fileSystemId, List.of());
    }
}
