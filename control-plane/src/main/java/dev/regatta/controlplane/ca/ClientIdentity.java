package dev.regatta.controlplane.ca;

import dev.regatta.controlplane.grant.AccessLevel;

/**
 * What a mount's client certificate asserts (docs/control-plane-protocols.md, "Certificates"): the same identity the
 * tunnel reads back from the certificate on a node ({@code dev.regatta.tunnel.ClientIdentity}, which adds the
 * certificate's expiry), here before the certificate exists.
 */
public record ClientIdentity(String mountId, String fileSystemId, AccessLevel access, String grantId,
                             String principalArn) {
}
