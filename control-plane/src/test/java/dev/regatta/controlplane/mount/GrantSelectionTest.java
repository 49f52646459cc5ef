package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.grant.AccessLevel;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.iam.CallerArn;
import dev.regatta.controlplane.iam.PrincipalPattern;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GrantSelectionTest {

    private static final CallerArn APP_SESSION = CallerArn.parse("arn:aws:sts::123456789012:assumed-role/app/i-0abc");
    private static final CallerArn ALICE = CallerArn.parse("arn:aws:iam::123456789012:user/alice");

    private final Grant account = grant("g-account", "123456789012", AccessLevel.READ_WRITE);
    private final Grant appReadOnly = grant("g-app-ro", "arn:aws:iam::123456789012:role/app", AccessLevel.READ_ONLY);
    private final Grant appUnderPath = grant("g-app-path", "arn:aws:iam::123456789012:role/team/app",
            AccessLevel.READ_WRITE);
    private final Grant alice = grant("g-alice", "arn:aws:iam::123456789012:user/alice", AccessLevel.READ_ONLY);
    private final Grant otherAccount = grant("g-other", "210987654321", AccessLevel.READ_WRITE);

    @Test
    void theCallersOwnGrantDecidesOverItsAccounts() {
        assertThat(GrantSelection.decidingGrant(List.of(account, appReadOnly), APP_SESSION, AccessLevel.READ_WRITE))
                .hasValue(appReadOnly);
        assertThat(GrantSelection.decidingGrant(List.of(account, alice), ALICE, AccessLevel.READ_WRITE)).hasValue(alice);
    }

    @Test
    void anAccountGrantCoversEveryoneInTheAccount() {
        assertThat(GrantSelection.decidingGrant(List.of(otherAccount, account, alice), APP_SESSION,
                AccessLevel.READ_WRITE)).hasValue(account);
    }

    @Test
    void noMatchingGrantIsNone() {
        assertThat(GrantSelection.decidingGrant(List.of(otherAccount, alice), APP_SESSION, AccessLevel.READ_ONLY))
                .isEmpty();
    }

    @Test
    void betweenRoleGrantsASessionCannotTellApartTheOneThatAdmitsWins() {
        List<Grant> oldestFirst = List.of(appReadOnly, appUnderPath);
        assertThat(GrantSelection.decidingGrant(oldestFirst, APP_SESSION, AccessLevel.READ_WRITE)).hasValue(appUnderPath);
        assertThat(GrantSelection.decidingGrant(oldestFirst, APP_SESSION, AccessLevel.READ_ONLY)).hasValue(appReadOnly);
    }

    private static Grant grant(String id, String principal, AccessLevel access) {
        return new Grant(id, "fs-0123456789abcdef0", PrincipalPattern.parse(principal), access, false, Instant.EPOCH);
    }
}
