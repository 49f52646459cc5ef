package dev.regatta.mount.enrollment;

import dev.regatta.mount.controlplane.MountGrant;

import java.security.KeyPair;
import java.time.Instant;

/**
 * A certificate the control plane issued for a key made here.
 *
 * @param issuedAt the certificate's notBefore: with {@code grant.expiresAt()} its lifetime, for renewal
 */
public record Enrollment(MountGrant grant, KeyPair keys, Instant issuedAt) {
}
