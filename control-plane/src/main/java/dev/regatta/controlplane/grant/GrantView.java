package dev.regatta.controlplane.grant;

import dev.regatta.controlplane.iam.PrincipalPattern;

import java.time.Instant;

/** A grant as the API shows it; {@code principalKind} says whether it admits an account, a role or a user. */
public record GrantView(String id, String fileSystemId, String principal, PrincipalPattern.Kind principalKind,
                        AccessLevel access, boolean rootSquash, Instant createdAt) {

    static GrantView of(Grant g) {
        return new GrantView(g.id(), g.fileSystemId(), g.principal().text(), g.principal().kind(), g.access(),
                g.rootSquash(), g.createdAt());
    }
}
