package dev.regatta.controlplane.status;

import java.time.Instant;

/** A mount whose client certificate has not expired yet: a client that may be using the file system. */
public record ActiveMount(String id, String fileSystemId, String principal, String access, String clientAddress,
                          String nodeId, Instant certificateExpiresAt, Instant createdAt) {
}
