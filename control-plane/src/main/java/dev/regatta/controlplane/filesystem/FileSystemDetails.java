package dev.regatta.controlplane.filesystem;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.regatta.controlplane.node.NodeView;
import dev.regatta.controlplane.status.FileSystemStatus;

/**
 * One file system with what the console shows beside it.
 *
 * @param node             the node serving it, or null while none is assigned
 * @param activeMountCount live mount sessions: not ended (no unmount reported) and with a valid certificate
 */
public record FileSystemDetails(@JsonUnwrapped FileSystem fileSystem, NodeView node, FileSystemStatus status,
                                int grantCount, int activeMountCount) {
}
