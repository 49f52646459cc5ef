package dev.regatta.controlplane.status;

import java.time.Instant;

/**
 * One mount decision, as the mount endpoint recorded it.
 *
 * @param status the HTTP status the caller got; null for decisions recorded before it was kept
 * @param count  how many refusals the event stands for: 1, except for the 429s of a throttled source, counted in
 *               one event per failure window from {@code at} to {@code lastAt}
 * @param lastAt when the last of the counted refusals was; null when the event is a single one
 */
public record AuditEvent(long id, Instant at, String fileSystemId, String principal, String sourceAddress,
                         Decision decision, Integer status, String reason, int count, Instant lastAt) {

    public enum Decision { ALLOWED, REFUSED }
}
