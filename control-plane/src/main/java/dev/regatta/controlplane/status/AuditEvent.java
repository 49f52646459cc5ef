package dev.regatta.controlplane.status;

import java.time.Instant;

/**
 * One mount decision, as the mount endpoint recorded it.
 *
 * @param status the HTTP status the caller got; null for decisions recorded before it was kept
 */
public record AuditEvent(long id, Instant at, String fileSystemId, String principal, String sourceAddress,
                         Decision decision, Integer status, String reason) {

    public enum Decision { ALLOWED, REFUSED }
}
