package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.Access;

import java.time.Instant;

/** A mount the control plane admitted: one client certificate issued. */
record MountSession(String id, String fileSystemId, String grantId, String principalArn, Access access,
                    String clientAddress, String nodeId, String certificateSerial, Instant certificateExpiresAt,
                    Instant createdAt) {
}
