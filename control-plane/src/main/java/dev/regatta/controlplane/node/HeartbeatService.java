package dev.regatta.controlplane.node;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import dev.regatta.controlplane.filesystem.FileSystemRepository;
import dev.regatta.controlplane.grant.GrantRepository;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Instant;
import java.util.List;

/**
 * A node's heartbeat: keeps its reports, marks it live, gives file systems of silent nodes (and unassigned ones) to
 * live nodes, and answers everything this node must serve.
 */
@Service
public class HeartbeatService {

    private final NodeRepository nodes;
    private final FileSystemRepository fileSystems;
    private final GrantRepository grants;
    private final FileSystemReportRepository reports;
    private final FileSystemAssignments assignments;
    private final long heartbeatIntervalSeconds;

    public HeartbeatService(NodeRepository nodes, FileSystemRepository fileSystems, GrantRepository grants,
                            FileSystemReportRepository reports, FileSystemAssignments assignments,
                            ControlPlaneProperties properties) {
        this.nodes = nodes;
        this.fileSystems = fileSystems;
        this.grants = grants;
        this.reports = reports;
        this.assignments = assignments;
        this.heartbeatIntervalSeconds = properties.nodes().heartbeatInterval().toSeconds();
    }

    /** @param nodeId a node already authenticated by its token */
    @Transactional
    public HeartbeatResponse heartbeat(String nodeId, HeartbeatRequest request) {
        Instant now = Instant.now();
        nodes.recordHeartbeat(nodeId, now);
        for (HeartbeatRequest.Report r : request.reports()) {
            reports.saveIfServing(new FileSystemReport(r.fileSystemId(), nodeId, now, r.cacheBytes(), r.dirtyBytes(),
                    r.oldestUnsyncedSeconds(), r.cacheHitRatio(), r.connectedClients(), r.s3Requests(), r.nfsOperations(),
                    r.failingFiles(), r.failing()));
        }
        assignments.reassignOrphans(now);
        List<HeartbeatResponse.AssignedFileSystem> assigned = fileSystems.assignedTo(nodeId).stream()
                .map(fs -> HeartbeatResponse.AssignedFileSystem.of(fs, grants.forFileSystem(fs.id())))
                .toList();
        return new HeartbeatResponse(heartbeatIntervalSeconds, assigned);
    }
}
