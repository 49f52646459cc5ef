package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.AccessLevel;

import java.time.Instant;

/**
 * A mount the control plane admitted, from the first certificate to the unmount: renewals keep its ID and update its
 * certificate, node and grant; the client's unmount report ends it.
 *
 * @param grantId      the grant that admitted the latest certificate; null once that grant is removed
 * @param renewedAt    the latest renewal, null before the first
 * @param endedAt      when it ended, null while it goes on
 * @param endReason    why it ended, null while it goes on
 */
record MountSession(String id, String fileSystemId, String grantId, String principalArn, AccessLevel access,
                    String clientAddress, String nodeId, String certificateSerial, Instant certificateExpiresAt,
                    Instant createdAt, int renewalCount, Instant renewedAt, Instant endedAt, String endReason) {

    /** A session as its first certificate makes it. */
    static MountSession admitted(String id, String fileSystemId, String grantId, String principalArn,
                                 AccessLevel access, String clientAddress, String nodeId, String certificateSerial,
                                 Instant certificateExpiresAt, Instant createdAt) {
        return new MountSession(id, fileSystemId, grantId, principalArn, access, clientAddress, nodeId,
                certificateSerial, certificateExpiresAt, createdAt, 0, null, null, null);
    }

    boolean ended() {
        return endedAt != null;
    }

    MountSession endedBy(Instant at, String reason) {
        return new MountSession(id, fileSystemId, grantId, principalArn, access, clientAddress, nodeId,
                certificateSerial, certificateExpiresAt, createdAt, renewalCount, renewedAt, at, reason);
    }
}
