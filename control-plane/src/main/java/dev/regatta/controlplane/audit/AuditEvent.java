package dev.regatta.controlplane.audit;

import java.time.Instant;

/**
 * One mount decision, as kept in {@code audit_event}.
 *
 * @param fileSystemId  the file system asked for, or null when the request did not name a well-formed one
 * @param principalArn  the caller as STS identified it, or null when the decision came before STS answered
 * @param status        the HTTP status the caller got
 * @param reason        why, in words an operator can act on; never a secret
 */
public record AuditEvent(Instant at, String fileSystemId, String principalArn, String sourceAddress,
                         Decision decision, int status, String reason) {

    public enum Decision { ALLOWED, REFUSED }
}
