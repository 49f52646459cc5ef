package dev.regatta.dataplane.node;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The {@link GrantBook} the agent keeps: replaced whole by each assignment it learns. */
final class AssignedGrants implements GrantBook {

    private volatile Map<String, List<Grant>> byFileSystem = Map.of();

    void replace(List<AssignedFileSystem> assignments) {
        byFileSystem = assignments.stream().collect(Collectors.toUnmodifiableMap(AssignedFileSystem::id,
                AssignedFileSystem::grants, (first, duplicate) -> first));
    }

    @Override
    public boolean isActive(String fileSystemId, String grantId) {
        return grantsOf(fileSystemId).stream().map(Grant::id).anyMatch(grantId::equals);
    }

    @Override
    public List<Grant> grantsOf(String fileSystemId) {
        return byFileSystem.getOrDefault(fileSystemId, List.of());
    }
}
