package dev.regatta.mount.controlplane;

import java.time.Instant;

/**
 * The control plane's answer to an unmount report: the mount's session has ended.
 *
 * @param endedAt   when; earlier than the report when it had been reported before
 * @param endReason why, as the control plane keeps it
 */
public record EndedMount(String mountId, String fileSystemId, String principal, Instant endedAt, String endReason) {
}
