package dev.regatta.tunnel;

import dev.regatta.tunnel.testing.TestCa;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientIdentityTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");

    @Test
    void readsAMountsCertificate() {
        var certificate = CA.client("mount-0123456789abcdef0").withoutAlternativeNames()
                .uri("regatta:fs:fs-0123456789abcdef0").uri("regatta:access:read-only")
                .uri("regatta:grant:grant-0123456789abcdef0")
                .uri("arn:aws:sts::123456789012:assumed-role/app/i-0abc").issue().certificate();

        ClientIdentity identity = ClientIdentity.fromCertificate(certificate);

        assertThat(identity).isEqualTo(new ClientIdentity("mount-0123456789abcdef0", "fs-0123456789abcdef0",
                CertifiedAccess.READ_ONLY, "grant-0123456789abcdef0",
                "arn:aws:sts::123456789012:assumed-role/app/i-0abc", certificate.getNotAfter().toInstant()));
    }

    @Test
    void refusesACertificateWithoutAFileSystem() {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().uri("regatta:access:read-write")
                .uri("regatta:grant:grant-1").uri("arn:aws:iam::1:role/a"), "it has no file system");
    }

    @Test
    void refusesACertificateWithoutAccess() {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().uri("regatta:fs:fs-1")
                .uri("regatta:grant:grant-1").uri("arn:aws:iam::1:role/a"), "it has no access");
    }

    @Test
    void refusesACertificateWithoutAGrant() {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().uri("regatta:fs:fs-1")
                .uri("regatta:access:read-write").uri("arn:aws:iam::1:role/a"), "it has no grant");
    }

    @Test
    void refusesACertificateWithoutTheCallersArn() {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().uri("regatta:fs:fs-1")
                .uri("regatta:access:read-write").uri("regatta:grant:grant-1"), "it has no caller ARN");
    }

    @Test
    void refusesAnUnknownAccess() {
        assertRefused(CA.client("mount-1").withoutAlternativeNames().uri("regatta:fs:fs-1")
                .uri("regatta:access:admin").uri("regatta:grant:grant-1").uri("arn:aws:iam::1:role/a"),
                "unknown access 'regatta:access:admin'");
    }

    @Test
    void refusesTwoFileSystems() {
        assertRefused(CA.client("mount-1").uri("regatta:fs:fs-other"), "it has 2 file system URIs");
    }

    private static void assertRefused(TestCa.Issuer issuer, String reason) {
        var certificate = issuer.issue().certificate();
        assertThatThrownBy(() -> ClientIdentity.fromCertificate(certificate))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the certificate of 'O=Regatta,CN=mount-1' is not a Regatta mount's: ")
                .hasMessageContaining(reason);
    }
}
