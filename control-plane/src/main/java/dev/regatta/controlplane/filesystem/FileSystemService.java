package dev.regatta.controlplane.filesystem;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.api.Problems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * File systems' life: made and placed on nodes if enough are live, changed, deleted. Changing where the data is (bucket,
 * region, endpoint, prefix) or deleting is refused while clients hold valid certificates for it, since their
 * files would change or vanish under them; {@code force} overrides that.
 */
@Service
public class FileSystemService {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemService.class);

    private final FileSystemRepository fileSystems;
    private final FileSystemAssignments assignments;
    private final ReplicationGroups groups;
    private final LiveMounts liveMounts;
    private final int defaultReplicas;

    public FileSystemService(FileSystemRepository fileSystems, FileSystemAssignments assignments,
                             ReplicationGroups groups, LiveMounts liveMounts, ControlPlaneProperties properties) {
        this.fileSystems = fileSystems;
        this.assignments = assignments;
        this.groups = groups;
        this.liveMounts = liveMounts;
        this.defaultReplicas = properties.replication().defaultReplicas();
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
        int replicas = Objects.requireNonNullElse(request.replicas(), defaultReplicas);
        fileSystems.insert(id, request.settings(), replicas, now);
        assignments.place(now);
        FileSystem created = require(id);
        ReplicationGroup group = groups.of(created, now);
        if (group.members().isEmpty()) {
            LOG.warn("file system {} created with {} replica(s), {}", id, replicas, group.placement());
        } else {
            LOG.info("file system {} created with {} replica(s), {}", id, replicas, group.placement());
        }
        return created;
    }

    /** @return the file system as stored */
    @Transactional
    public FileSystem update(String id, UpdateFileSystemRequest request, boolean force) {
        FileSystem fs = requireLocked(id);
        if (request.replicas() != null && request.replicas() != fs.replicas()) {
            throw Problems.conflict(id + " has " + fs.replicas() + " replica(s), and the replica count cannot be "
                    + "changed after creation yet (a group neither grows nor shrinks): create another file system "
                    + "with " + request.replicas() + " replicas instead");
        }
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
