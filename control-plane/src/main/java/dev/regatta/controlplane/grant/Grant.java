package dev.regatta.controlplane.grant;

import dev.regatta.controlplane.iam.PrincipalPattern;

import java.time.Instant;

/** One IAM principal (role, user or account) allowed to mount one file system. */
public record Grant(String id, String fileSystemId, PrincipalPattern principal, AccessLevel access, boolean rootSquash,
                    Instant createdAt) {
}
