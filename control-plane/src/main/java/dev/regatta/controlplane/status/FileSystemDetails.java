package dev.regatta.controlplane.status;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.node.NodeView;

/**
 * One file system with what the console shows beside it: an aggregate of several features, hence here.
 *
 * @param nodeId           the node serving it (see {@link FileSystemListing#nodeId()}), or null while unplaced
 * @param node             that node, or null
 * @param status           the leader's latest report and the group's members
 * @param activeMountCount live mount sessions: not ended (no unmount reported) and with a valid certificate
 */
public record FileSystemDetails(@JsonUnwrapped FileSystem fileSystem, String nodeId, NodeView node,
                                FileSystemStatus status, int grantCount, int activeMountCount) {
}
