package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.iam.CallerArn;
import dev.regatta.controlplane.iam.PrincipalPattern;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which of a file system's grants decides a caller's mount: the most specific that matches, a user's or role's own
 * grant over its account's. So an admin can grant a whole account read-write and narrow one role to read-only, and
 * the deciding grant's root squash is the one that applies.
 */
final class GrantSelection {

    private GrantSelection() {
    }

    /**
     * @param grants oldest first; among equally specific matches (two role grants that differ only in their path,
     *               which a session ARN cannot tell apart) one admitting {@code requested} wins, then the oldest
     */
    static Optional<Grant> decidingGrant(List<Grant> grants, CallerArn caller, AccessLevel requested) {
        return grants.stream()
                .filter(grant -> grant.principal().matches(caller))
                .min(Comparator.comparingInt((Grant grant) -> specificity(grant.principal().kind()))
                        .thenComparing(grant -> !grant.access().admits(requested)));
    }

    /** Lower is more specific. */
    private static int specificity(PrincipalPattern.Kind kind) {
        return switch (kind) {
            case USER, ROLE -> 0;
            case ACCOUNT -> 1;
        };
    }
}
