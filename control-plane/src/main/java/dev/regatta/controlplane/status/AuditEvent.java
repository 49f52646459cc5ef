package dev.regatta.controlplane.status;

import java.time.Instant;

/** One mount decision, as the mount endpoint recorded it. */
public record AuditEvent(long id, Instant at, String fileSystemId, String principal, String sourceAddress,
                         Decision decision, String reason) {

    public enum Decision { ALLOWED, REFUSED }
}
