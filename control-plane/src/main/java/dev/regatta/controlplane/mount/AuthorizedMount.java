package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.mount.sts.CallerIdentity;
import dev.regatta.controlplane.node.Node;

/**
 * Everything that let a mount through: who the caller is, the grant that admits it, and the node to connect to.
 *
 * @param renewed the session a renewal continues, or null for a new mount
 */
record AuthorizedMount(FileSystem fileSystem, CallerIdentity caller, Grant grant, Node node, MountSession renewed) {
}
