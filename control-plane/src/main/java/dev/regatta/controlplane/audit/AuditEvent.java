package dev.regatta.controlplane.audit;

import java.time.Instant;

/**
 * One mount decision, as kept in {@code audit_event}: what the mount endpoint records and what admins read back.
 *
 * @param id            the row's number; 0 for an event not kept yet
 * @param fileSystemId  the file system asked for, or null when the request did not name a well-formed one
 * @param principal     the caller's ARN as STS identified it, or null when the decision came before STS answered
 * @param status        the HTTP status the caller got; null for decisions recorded before it was kept
 * @param reason        why, in words an operator can act on; never a secret
 * @param count         how many refusals the event stands for: 1, except for the 429s of a throttled source, counted
 *                      in one event per failure window from {@code at} to {@code lastAt}
 * @param lastAt        when the last of the counted refusals was; null when the event is a single one
 */
public record AuditEvent(long id, Instant at, String fileSystemId, String principal, String sourceAddress,
                         Decision decision, Integer status, String reason, int count, Instant lastAt) {

    /** Stored by name. */
    public enum Decision { ALLOWED, REFUSED }

    /** A decision as the mount endpoint makes it, to be recorded: a single one, not kept yet. */
    public static AuditEvent decided(Instant at, String fileSystemId, String principal, String sourceAddress,
                                     Decision decision, int status, String reason) {
        return new AuditEvent(0, at, fileSystemId, principal, sourceAddress, decision, status, reason, 1, null);
    }
}
