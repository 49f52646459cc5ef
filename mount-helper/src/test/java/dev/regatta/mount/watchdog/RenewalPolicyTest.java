package dev.regatta.mount.watchdog;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RenewalPolicyTest {

    private static final Instant ISSUED = Instant.parse("2026-05-01T12:00:00Z");

    @Test
    void anHourLongCertificateIsRenewedTheMarginBeforeItExpires() {
        assertThat(RenewalPolicy.renewAt(ISSUED, ISSUED.plus(Duration.ofHours(1)), Duration.ofMinutes(15)))
                .isEqualTo(Instant.parse("2026-05-01T12:45:00Z"));
    }

    @Test
    void aShortCertificateIsRenewedAThirdOfItsLifetimeBeforeItExpires() {
        assertThat(RenewalPolicy.renewAt(ISSUED, ISSUED.plus(Duration.ofMinutes(30)), Duration.ofMinutes(15)))
                .isEqualTo(Instant.parse("2026-05-01T12:20:00Z"));
    }
}
