package dev.regatta.controlplane.status;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import dev.regatta.controlplane.grant.GrantRepository;
import dev.regatta.controlplane.mount.MountSessionRepository;
import dev.regatta.controlplane.node.FileSystemReportRepository;
import dev.regatta.controlplane.node.NodeRepository;
import org.springframework.stereotype.Component;

import java.time.Instant;

/** What the console shows beside a file system, from the features that know it: node, report, grants, mounts. */
@Component
public class FileSystemOverview {

    private final FileSystemAssignments assignments;
    private final NodeRepository nodes;
    private final FileSystemReportRepository reports;
    private final GrantRepository grants;
    private final MountSessionRepository sessions;

    public FileSystemOverview(FileSystemAssignments assignments, NodeRepository nodes,
                              FileSystemReportRepository reports, GrantRepository grants,
                              MountSessionRepository sessions) {
        this.assignments = assignments;
        this.nodes = nodes;
        this.reports = reports;
        this.grants = grants;
        this.sessions = sessions;
    }

    public FileSystemDetails details(FileSystem fs) {
        Instant now = Instant.now();
        return new FileSystemDetails(fs,
                fs.nodeId() == null ? null : nodes.view(fs.nodeId(), assignments.liveSince(now)).orElse(null),
                FileSystemStatus.of(fs.id(), reports.latest(fs.id()).orElse(null)),
                grants.countFor(fs.id()), sessions.activeMounts(fs.id(), now).size());
    }
}
