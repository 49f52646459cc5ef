package dev.regatta.controlplane.node;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import dev.regatta.controlplane.filesystem.FileSystemRepository;
import dev.regatta.controlplane.filesystem.MemberRole;
import dev.regatta.controlplane.filesystem.ReplicationGroup;
import dev.regatta.controlplane.filesystem.ReplicationGroups;
import dev.regatta.controlplane.grant.GrantRepository;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A node's heartbeat: keeps what it says of itself and of its part in each group, keeps the leader's report as the
 * file system's status, marks it live, places groups that lack members (or have silent ones), and answers everything
 * this node must serve with each group's members.
 */
@Service
public class HeartbeatService {

    private final NodeRepository nodes;
    private final FileSystemRepository fileSystems;
    private final GrantRepository grants;
    private final FileSystemReportRepository reports;
    private final FileSystemAssignments assignments;
    private final ReplicationGroups groups;
    private final long heartbeatIntervalSeconds;

    public HeartbeatService(NodeRepository nodes, FileSystemRepository fileSystems, GrantRepository grants,
                            FileSystemReportRepository reports, FileSystemAssignments assignments,
                            ReplicationGroups groups, ControlPlaneProperties properties) {
        this.nodes = nodes;
        this.fileSystems = fileSystems;
        this.grants = grants;
        this.reports = reports;
        this.assignments = assignments;
        this.groups = groups;
        this.heartbeatIntervalSeconds = properties.nodes().heartbeatInterval().toSeconds();
    }

    /** @param nodeId a node already authenticated by its token */
    @Transactional
    public HeartbeatResponse heartbeat(String nodeId, HeartbeatRequest request) {
        Instant now = Instant.now();
        nodes.recordHeartbeat(nodeId, now, NodeFacts.of(request.zone(), request.nfsAddress(),
                request.replicationAddress()));
        for (HeartbeatRequest.Report r : request.reports()) {
            if (groups.recordReport(r.fileSystemId(), nodeId, MemberRole.fromCode(r.role()), r.term(),
                    r.appliedIndex(), now) && keepsReportOf(r.fileSystemId(), nodeId, now)) {
                reports.save(new FileSystemReport(r.fileSystemId(), nodeId, now, r.cacheBytes(), r.dirtyBytes(),
                        r.oldestUnsyncedSeconds(), r.cacheHitRatio(), r.connectedClients(), r.s3Requests(),
                        r.nfsOperations(), r.failingFiles(), r.failing()));
            }
        }
        assignments.place(now);
        List<FileSystem> assigned = fileSystems.assignedTo(nodeId);
        Map<String, ReplicationGroup> groupOf = groups.of(assigned, now);
        return new HeartbeatResponse(heartbeatIntervalSeconds, assigned.stream()
                .map(fs -> HeartbeatResponse.AssignedFileSystem.of(fs, grants.forFileSystem(fs.id()),
                        groupOf.get(fs.id()), nodeId))
                .toList());
    }

    /** Whether the node's report is the file system's status: the leader's, or the only member's. */
    private boolean keepsReportOf(String fileSystemId, String nodeId, Instant now) {
        return fileSystems.find(fileSystemId).map(fs -> groups.of(fs, now).keepsReportOf(nodeId)).orElse(false);
    }
}
