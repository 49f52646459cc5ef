package dev.regatta.controlplane.mount;

import java.time.Instant;

/**
 * The ended mount session.
 *
 * @param endedAt   when the session ended: now, or earlier when the unmount had already been reported
 * @param endReason why, as the session keeps it
 */
public record UnmountResponse(String mountId, String fileSystemId, String principal, Instant endedAt,
                              String endReason) {
}
