package dev.regatta.tunnel.server;

import dev.regatta.tunnel.testing.CapturedLogs;
import dev.regatta.tunnel.testing.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The refusal log writes at most one line per source address per minute and counts every refusal. */
class RefusalsTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    private final SettableClock clock = new SettableClock(START);
    private final Refusals refusals = new Refusals(clock);
    private final CapturedLogs logs = new CapturedLogs(Refusals.class);

    @AfterEach
    void stop() {
        logs.close();
    }

    @Test
    void aSourceRefusedRepeatedlyWithinAMinuteGetsOneLine() {
        for (int port = 40000; port < 40100; port++) {
            refusals.refused(new InetSocketAddress("10.0.0.7", port), RefusalReason.UNKNOWN_ISSUER, "another CA");
            clock.advance(Duration.ofMillis(500));
        }
        assertThat(logs.warnings("refused")).containsExactly(
                "refused the connection from /10.0.0.7:40000: another CA");
    }

    @Test
    void theNextLineOfTheSameKindAfterTheMinuteSaysHowManyWereNotLogged() {
        refusals.refused(new InetSocketAddress("10.0.0.7", 40000), RefusalReason.NO_CERTIFICATE, "no certificate");
        clock.advance(Duration.ofSeconds(10));
        for (int port = 40001; port <= 40005; port++) {
            refusals.refused(new InetSocketAddress("10.0.0.7", port), RefusalReason.NO_CERTIFICATE, "no certificate");
        }
        clock.advance(Duration.ofSeconds(50));
        refusals.refused(new InetSocketAddress("10.0.0.7", 40006), RefusalReason.NO_CERTIFICATE, "no certificate");
        refusals.refused(new InetSocketAddress("10.0.0.7", 40007), RefusalReason.NO_CERTIFICATE, "no certificate");

        assertThat(logs.warnings("refused")).containsExactly(
                "refused the connection from /10.0.0.7:40000: no certificate",
                "refused the connection from /10.0.0.7:40006: no certificate (5 more refusal(s) of this kind from "
                        + "10.0.0.7 since " + START + " were not logged)");
    }

    @Test
    void aRefusalOfAnotherKindFromTheSameAddressIsLoggedAtOnce() {
        // Tunnels behind one NAT (or on one machine) share an address: a forged certificate must not hide behind
        // a mount whose grant was just refused.
        refusals.refused(new InetSocketAddress("10.0.0.7", 40000), RefusalReason.NOT_ADMITTED, "no grant");
        refusals.refused(new InetSocketAddress("10.0.0.7", 40001), RefusalReason.UNKNOWN_ISSUER, "another CA");
        refusals.refused(new InetSocketAddress("10.0.0.7", 40002), RefusalReason.UNKNOWN_ISSUER, "another CA");

        assertThat(logs.warnings("refused")).containsExactly(
                "refused the connection from /10.0.0.7:40000: no grant",
                "refused the connection from /10.0.0.7:40001: another CA");
    }

    @Test
    void eachSourceAddressHasItsOwnAllowance() {
        refusals.refused(new InetSocketAddress("10.0.0.7", 40000), RefusalReason.UNKNOWN_ISSUER, "another CA");
        refusals.refused(new InetSocketAddress("10.0.0.8", 40000), RefusalReason.UNKNOWN_ISSUER, "another CA");
        refusals.refused(new InetSocketAddress("10.0.0.7", 40001), RefusalReason.UNKNOWN_ISSUER, "another CA");

        assertThat(logs.warnings("refused")).containsExactly(
                "refused the connection from /10.0.0.7:40000: another CA",
                "refused the connection from /10.0.0.8:40000: another CA");
    }

    @Test
    void aFloodFromMoreAddressesThanItRemembersSharesOneLinePerMinute() {
        Refusals remembersThree = new Refusals(clock, 3);
        for (int i = 1; i <= 10; i++) {
            remembersThree.refused(new InetSocketAddress("10.0.0." + i, 40000), RefusalReason.HANDSHAKE_FAILED,
                    "garbage");
        }
        clock.advance(Duration.ofMinutes(1));
        remembersThree.refused(new InetSocketAddress("192.168.0.1", 40000), RefusalReason.HANDSHAKE_FAILED,
                "garbage");

        // Three remembered addresses, then one line for the other seven, whose six unlogged come with the next line.
        assertThat(logs.warnings("refused")).containsExactly(
                "refused the connection from /10.0.0.1:40000: garbage",
                "refused the connection from /10.0.0.2:40000: garbage",
                "refused the connection from /10.0.0.3:40000: garbage",
                "refused the connection from /10.0.0.4:40000: garbage",
                "refused the connection from /192.168.0.1:40000: garbage (6 more refusal(s) from other addresses"
                        + " since " + START + " were not logged)");
        assertThat(remembersThree.counts()).containsEntry(RefusalReason.HANDSHAKE_FAILED, 11L);
    }

    @Test
    void everyRefusalIsCountedByReasonLoggedOrNot() {
        for (int port = 40000; port < 40010; port++) {
            refusals.refused(new InetSocketAddress("10.0.0.7", port), RefusalReason.UNKNOWN_ISSUER, "another CA");
        }
        refusals.refused(new InetSocketAddress("10.0.0.7", 40010), RefusalReason.NOT_ADMITTED, "grant revoked");

        assertThat(refusals.counts()).containsEntry(RefusalReason.UNKNOWN_ISSUER, 10L)
                .containsEntry(RefusalReason.NOT_ADMITTED, 1L).containsEntry(RefusalReason.NO_CERTIFICATE, 0L)
                .hasSize(RefusalReason.values().length);
    }
}
