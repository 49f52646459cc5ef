package dev.regatta.mount.controlplane;

import dev.regatta.mount.options.MountAccess;

import java.time.Instant;
import java.util.List;

/**
 * The control plane's yes: where to connect, and the client certificate to connect with.
 *
 * @param nodeAddress    {@code host:port} of the data-plane node's TLS front
 * @param principal      the caller's ARN as STS named it
 * @param caCertificates the chain the node's certificate is signed by, PEM
 * @param expiresAt      the certificate's notAfter: the watchdog renews before it
 */
public record MountGrant(String mountId, String fileSystemId, String nodeAddress, MountAccess access, String principal,
                         String certificate, List<String> caCertificates, Instant expiresAt) {
}
