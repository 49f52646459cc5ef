package dev.regatta.controlplane.filesystem;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.api.Problems;
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
    private final LiveMounts liveMounts;

    public FileSystemService(FileSystemRepository fileSystems, FileSystemAssignments assignments,
                             LiveMounts liveMounts) {
        this.fileSystems = fileSystems;
        this.assignments = assignments;
        this.liveMounts = liveMounts;
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

    /** @return the file system as stored */
    public FileSystem create(CreateFileSystemRequest request) {
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
        return require(id);
    }

    /** @return the file system as stored */
    @Transactional
    public FileSystem update(String id, UpdateFileSystemRequest request, boolean force) {
        FileSystem fs = requireLocked(id);
        FileSystemSettings current = FileSystemSettings.of(fs);
        FileSystemSettings changed = request.applyTo(current);
        if (!changed.sameLocationAs(current) && !force) {
            refuseWhileMounted(id, "changing its bucket, region, endpoint or key prefix");
        }
        fileSystems.update(id, changed, Instant.now());
        return require(id);
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
        List<Instant> expiries = liveMounts.certificateExpiries(id, Instant.now());
        if (!expiries.isEmpty()) {
            Instant lastExpiry = expiries.stream().max(Instant::compareTo).orElseThrow();
            throw Problems.conflict(id + " has " + expiries.size() + " active mount(s) (client certificates valid "
                    + "until " + lastExpiry + "); unmount the clients (mount.regatta reports the unmount; a client "
                    + "that did not counts until its certificate expires) before " + action + ", or repeat the "
                    + "request with ?force=true");
        }
    }
}
