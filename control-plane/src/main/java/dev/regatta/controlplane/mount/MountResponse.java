package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.AccessLevel;

import java.time.Instant;
import java.util.List;

/**
 * A mount's credentials: where to connect and the client certificate to connect with.
 *
 * @param nodeAddress     the TLS front to connect to: the group's leader, or without a known leader its first live
 *                        member (the client's tunnel finds the leader among {@code memberAddresses})
 * @param memberAddresses the TLS fronts of all live members of the file system's group, {@code nodeAddress} first
 * @param principal       the caller's ARN as STS named it
 * @param caCertificates  the chain the node's certificate is signed by, root last, PEM
 * @param expiresAt       the certificate's notAfter: renew before it
 */
public record MountResponse(String mountId, String fileSystemId, String nodeAddress, List<String> memberAddresses,
                            AccessLevel access, String principal, String certificate, List<String> caCertificates,
                            Instant expiresAt) {
}
