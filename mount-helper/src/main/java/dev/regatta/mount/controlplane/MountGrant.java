package dev.regatta.mount.controlplane;

import dev.regatta.mount.options.MountAccess;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane's yes: where to connect, and the client certificate to connect with.
 *
 * @param nodeAddress     {@code host:port} of the data-plane node's TLS front: the leader of the file system's
 *                        replication group, or the control plane's best guess at it
 * @param memberAddresses {@code host:port} of the TLS fronts of the group's live members, {@code nodeAddress} first;
 *                        null from a control plane from before replication groups
 * @param principal       the caller's ARN as STS named it
 * @param caCertificates  the chain the node's certificate is signed by, PEM
 * @param expiresAt       the certificate's notAfter: the watchdog renews before it
 */
public record MountGrant(String mountId, String fileSystemId, String nodeAddress, List<String> memberAddresses,
                         MountAccess access, String principal, String certificate, List<String> caCertificates,
                         Instant expiresAt) {

    /**
     * The addresses the tunnel connects to: {@code nodeAddress} first, whatever the list's order, then the other
     * members in the control plane's order; {@code nodeAddress} alone from an older control plane.
     */
    public List<String> members() {
        List<String> members = new ArrayList<>(List.of(nodeAddress));
        if (memberAddresses != null) {
            memberAddresses.stream().filter(member -> !members.contains(member)).forEach(members::add);
        }
        return List.copyOf(members);
    }
}
