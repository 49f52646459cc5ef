package dev.regatta.controlplane.status;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.regatta.controlplane.filesystem.FileSystem;

/**
 * A file system in the list of all: its settings and the one node a script most often wants, without the details'
 * cost per file system.
 *
 * @param nodeId the node serving it: its group's leader, or without a known leader the first live member, or when
 *               none is live the first member; null while the group is not placed
 */
public record FileSystemListing(@JsonUnwrapped FileSystem fileSystem, String nodeId) {
}
