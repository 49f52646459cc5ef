package dev.regatta.controlplane.node;

import dev.regatta.controlplane.api.Problems;
import dev.regatta.controlplane.filesystem.FileSystemAssignments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.List;

/** The admins' view of the data-plane nodes. */
@RestController
@RequestMapping("/api/v1/nodes")
public class NodeAdminController {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAdminController.class);

    private final NodeRepository nodes;
    private final FileSystemAssignments assignments;

    public NodeAdminController(NodeRepository nodes, FileSystemAssignments assignments) {
        this.nodes = nodes;
        this.assignments = assignments;
    }

    @GetMapping
    public List<NodeView> list() {
        return nodes.views(assignments.liveSince(Instant.now()));
    }

    /**
     * Forgets a node (decommissioned, or its token leaked): its token stops working and its places in file systems'
     * groups are freed, to be filled by live nodes at the next heartbeat of any node (not after
     * {@code regatta.replication.replace-after}: the admin has said it is gone).
     */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void delete(@PathVariable("id") String id) {
        Problems.requireId("node", id, "node");
        if (!nodes.delete(id)) {
            throw Problems.notFound("no node " + id);
        }
        LOG.info("node {} deleted; its places in file systems' groups are filled by live nodes at the next heartbeat",
                id);
    }
}
