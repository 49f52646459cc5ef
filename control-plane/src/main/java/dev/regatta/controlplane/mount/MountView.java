package dev.regatta.controlplane.mount;

import java.time.Instant;

/**
 * A mount session as admins see it: one per mount, from the mount to its unmount, across certificate renewals.
 *
 * @param state                LIVE while it has not ended and its certificate is valid; ENDED once the client
 *                             reported the unmount; EXPIRED when its certificate lapsed without an unmount report (the
 *                             client went away, or was not renewed)
 * @param certificateExpiresAt the current certificate's notAfter
 * @param renewalCount         certificates issued after the first
 * @param renewedAt            the latest renewal, null before the first
 * @param endedAt              when the unmount was reported, else null
 * @param endReason            why it ended, else null
 */
public record MountView(String id, String fileSystemId, String principal, String access, String clientAddress,
                        String nodeId, State state, Instant certificateExpiresAt, Instant createdAt, int renewalCount,
                        Instant renewedAt, Instant endedAt, String endReason) {

    public enum State {
        LIVE, ENDED, EXPIRED;

        public static State of(Instant endedAt, Instant certificateExpiresAt, Instant now) {
            if (endedAt != null) {
                return ENDED;
            }
            return certificateExpiresAt.isAfter(now) ? LIVE : EXPIRED;
        }
    }

    /** Which sessions a listing shows. */
    public enum Filter {
        LIVE, ENDED, EXPIRED, ALL
    }
}
