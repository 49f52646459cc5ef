package dev.regatta.controlplane.filesystem;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.api.Problems;
import dev.regatta.controlplane.grant.GrantRepository;
import dev.regatta.controlplane.node.NodeRepository;
import dev.regatta.controlplane.status.ActivityRepository;
import dev.regatta.controlplane.status.FileSystemReportRepository;
import dev.regatta.controlplane.status.FileSystemStatus;
import dev.regatta.controlplane.status.MountView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Instant;
import java.util.List;

/**
 * File systems' life: made with a node if one is live, changed, deleted. Changing where the data is (bucket,
 * region, endpoint, prefix) or deleting is refused while clients hold valid certificates for it, since their
 * files would change or vanish under them; {@code force} overrides that.
 */
@Service
public class FileSystemService {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemService.class);

    private final FileSystemRepository fileSystems;
    private final FileSystemAssignments assignments;
    private final GrantRepository grants;
    private final NodeRepository nodes;
    private final FileSystemReportRepository reports;
    private final ActivityRepository activity;

    public FileSystemService(FileSystemRepository fileSystems, FileSystemAssignments assignments,
                             GrantRepository grants, NodeRepository nodes, FileSystemReportRepository reports,
                             ActivityRepository activity) {
        this.fileSystems = fileSystems;
        this.assignments = assignments;
        this.grants = grants;
        this.nodes = nodes;
        this.reports = reports;
        this.activity = activity;
    }

    /** The file system with this ID: 400 for an ID of the wrong shape, 404 for an unknown one. */
    public FileSystem require(String id) {
        Problems.requireId("fs", id, "file system");
        return fileSystems.find(id).orElseThrow(() -> Problems.notFound("no file system " + id));
    }

    private FileSystem requireLocked(String id) {
        Problems.requireId("fs", id, "file system");
        return fileSystems.lock(id).orElseThrow(() -> Problems.notFound("no file system " + id));
    }

    public List<FileSystem> list() {
        return fileSystems.list();
    }

    public FileSystemDetails details(String id) {
        FileSystem fs = require(id);
        Instant now = Instant.now();
        return new FileSystemDetails(fs,
                fs.nodeId() == null ? null : nodes.view(fs.nodeId(), assignments.liveSince(now)).orElse(null),
                FileSystemStatus.of(id, reports.latest(id).orElse(null)),
                grants.countFor(id), activity.activeMounts(id, now).size());
    }

    public FileSystemDetails create(CreateFileSystemRequest request) {
        Instant now = Instant.now();
        String id = Ids.newId("fs");
        String nodeId = assignments.leastLoadedLiveNode(now).orElse(null);
        fileSystems.insert(id, request.settings(), nodeId, now);
        if (nodeId == null) {
            LOG.warn("file system {} created without a node: no data-plane node is live; it will be assigned when "
                    + "one heartbeats", id);
        } else {
            LOG.info("file system {} created on node {}", id, nodeId);
        }
        return details(id);
    }

    @Transactional
    public FileSystemDetails update(String id, UpdateFileSystemRequest request, boolean force) {
        FileSystem fs = requireLocked(id);
        FileSystemSettings current = FileSystemSettings.of(fs);
        FileSystemSettings changed = request.applyTo(current);
        if (!changed.sameLocationAs(current) && !force) {
            refuseWhileMounted(id, "changing its bucket, region, endpoint or key prefix");
        }
        fileSystems.update(id, changed, Instant.now());
        return details(id);
    }

    @Transactional
    public void delete(String id, boolean force) {
        requireLocked(id);
        if (!force) {
            refuseWhileMounted(id, "deleting it");
        }
        fileSystems.delete(id);
        LOG.info("file system {} deleted{}", id, force ? " (forced)" : "");
    }

    private void refuseWhileMounted(String id, String action) {
        List<MountView> mounts = activity.activeMounts(id, Instant.now());
        if (!mounts.isEmpty()) {
            Instant lastExpiry = mounts.stream().map(MountView::certificateExpiresAt).max(Instant::compareTo)
                    .orElseThrow();
            throw Problems.conflict(id + " has " + mounts.size() + " active mount(s) (client certificates valid "
                    + "until " + lastExpiry + "); unmount the clients (mount.regatta reports the unmount; a client "
                    + "that did not counts until its certificate expires) before " + action + ", or repeat the "
                    + "request with ?force=true");
        }
    }
}
