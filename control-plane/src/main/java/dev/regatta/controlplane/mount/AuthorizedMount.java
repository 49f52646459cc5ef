package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.Member;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.mount.sts.CallerIdentity;

import java.util.List;

/**
 * Everything that let a mount through: who the caller is, the grant that admits it, and the node to connect to.
 *
 * @param node            the group's leader, or without a known leader its first live member
 * @param memberAddresses the TLS addresses of the group's live members, {@code node}'s first: where a client's
 *                        tunnel looks for the leader when {@code node} no longer leads
 * @param renewed         the session a renewal continues, or null for a new mount
 */
record AuthorizedMount(FileSystem fileSystem, CallerIdentity caller, Grant grant, Member node,
                       List<String> memberAddresses, MountSession renewed) {
}
