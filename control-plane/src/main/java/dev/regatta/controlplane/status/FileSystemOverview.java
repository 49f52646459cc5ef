package dev.regatta.controlplane.status;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import dev.regatta.controlplane.filesystem.Member;
import dev.regatta.controlplane.filesystem.ReplicationGroup;
import dev.regatta.controlplane.filesystem.ReplicationGroups;
import dev.regatta.controlplane.grant.GrantRepository;
import dev.regatta.controlplane.mount.MountSessionRepository;
import dev.regatta.controlplane.node.FileSystemReportRepository;
import dev.regatta.controlplane.node.NodeRepository;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the console shows beside a file system, from the features that know it: group and serving node, report,
 * grants, mounts.
 */
@Component
public class FileSystemOverview {

    private final FileSystemAssignments assignments;
    private final ReplicationGroups groups;
    private final NodeRepository nodes;
    private final FileSystemReportRepository reports;
    private final GrantRepository grants;
    private final MountSessionRepository sessions;

    public FileSystemOverview(FileSystemAssignments assignments, ReplicationGroups groups, NodeRepository nodes,
                              FileSystemReportRepository reports, GrantRepository grants,
                              MountSessionRepository sessions) {
        this.assignments = assignments;
        this.groups = groups;
        this.nodes = nodes;
        this.reports = reports;
        this.grants = grants;
        this.sessions = sessions;
    }

    public FileSystemDetails details(FileSystem fs) {
        Instant now = Instant.now();
        ReplicationGroup group = groups.of(fs, now);
        String nodeId = group.servingNode().map(Member::nodeId).orElse(null);
        return new FileSystemDetails(fs, nodeId,
                nodeId == null ? null : nodes.view(nodeId, assignments.liveSince(now)).orElse(null),
                status(group), grants.countFor(fs.id()), sessions.activeMounts(fs.id(), now).size());
    }

    public FileSystemStatus status(FileSystem fs) {
        return status(groups.of(fs, Instant.now()));
    }

    public List<FileSystemListing> list(List<FileSystem> fileSystems) {
        Map<String, ReplicationGroup> groupOf = groups.of(fileSystems, Instant.now());
        return fileSystems.stream().map(fs -> new FileSystemListing(fs,
                groupOf.get(fs.id()).servingNode().map(Member::nodeId).orElse(null))).toList();
    }

    private FileSystemStatus status(ReplicationGroup group) {
        return FileSystemStatus.of(group, reports.latest(group.fileSystemId()).orElse(null));
    }
}
