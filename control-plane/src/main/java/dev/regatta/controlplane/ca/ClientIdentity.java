package dev.regatta.controlplane.ca;

import dev.regatta.controlplane.grant.Access;

/** What a mount's client certificate asserts (docs/control-plane-protocols.md, "Certificates"). */
public record ClientIdentity(String mountId, String fileSystemId, Access access, String grantId, String principalArn) {
}
