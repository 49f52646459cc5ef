package dev.regatta.mount.watchdog;

import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class UnmountAdviceTest {

    @Test
    void aControlPlaneFromBeforeUnmountReportsIsToldApartFromAnotherIdentity() {
        // What such a control plane answers: the path falls to its admin API, which wants a CSRF token or a login.
        assertThat(UnmountAdvice.of(refusal(403, "missing or wrong CSRF token: a request signed in by session must "
                + "repeat the XSRF-TOKEN cookie's value in the X-XSRF-TOKEN header")))
                .contains("does not take unmount reports");
        assertThat(UnmountAdvice.of(refusal(401, "authentication required: send an admin API token")))
                .contains("does not take unmount reports");

        assertThat(UnmountAdvice.of(refusal(403, "mount mount-00000000000000001 was made by another IAM identity "
                + "than arn:aws:iam::123456789012:user/bob: only the identity that mounted can report its unmount")))
                .contains("signed by the IAM identity that mounted").doesNotContain("older");
        assertThat(UnmountAdvice.of(refusal(404, "there is no mount mount-00000000000000001 of fs-0123456789abcdef0")))
                .contains("does not know this mount");
        assertThat(UnmountAdvice.of(refusal(418, "?"))).isEmpty();
    }

    private static ControlPlaneRefusal refusal(int status, String detail) {
        return new ControlPlaneRefusal(status, detail, Optional.empty());
    }
}
