package dev.regatta.controlplane.status;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.node.NodeView;

/**
 * One file system with what the console shows beside it: an aggregate of several features, hence here.
 *
 * @param node             the node serving it, or null while none is assigned
 * @param activeMountCount live mount sessions: not ended (no unmount reported) and with a valid certificate
 */
public record FileSystemDetails(@JsonUnwrapped FileSystem fileSystem, NodeView node, FileSystemStatus status,
                                int grantCount, int activeMountCount) {
}
