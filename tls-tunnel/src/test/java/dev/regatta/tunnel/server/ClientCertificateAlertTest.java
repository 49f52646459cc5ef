package dev.regatta.tunnel.server;

import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.RawTlsClient;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TLS alert a client receives when the server refuses its certificate, with each TLS implementation the server
 * may use: it tells the client's operator what to fix (the CA, the renewal, the certificate), where
 * {@code internal_error} blamed the node. The JDK's TLS answers every certificate its trust manager refuses with
 * {@code certificate_unknown} and offers no way to choose; BoringSSL sends the alert of the verification error.
 */
class ClientCertificateAlertTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TestCa OTHER_CA = TestCa.create("Some other CA");

    private final RecordingListener listener = new RecordingListener();
    private TestBackend backend;
    private TunnelServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void boringSslAnswersACertificateFromAnotherCaWithUnknownCa() throws Exception {
        assertThat(alertFromBoringSsl(OTHER_CA.client("mount-1").issue())).isEqualTo("unknown_ca");
    }

    @Test
    void boringSslAnswersASelfSignedCertificateWithUnknownCa() throws Exception {
        assertThat(alertFromBoringSsl(CA.client("mount-1").selfSigned().issue())).isEqualTo("unknown_ca");
    }

    @Test
    void boringSslAnswersAnExpiredCertificateWithCertificateExpired() throws Exception {
        assertThat(alertFromBoringSsl(expired())).isEqualTo("certificate_expired");
    }

    @Test
    void boringSslAnswersACertificateNotYetValidWithCertificateExpired() throws Exception {
        // TLS's certificate_expired: "a certificate has expired or is not currently valid".
        assertThat(alertFromBoringSsl(notYetValid())).isEqualTo("certificate_expired");
    }

    @Test
    void boringSslAnswersACertificateWithoutTheMountsNamesWithBadCertificate() throws Exception {
        assertThat(alertFromBoringSsl(CA.client("mount-1").withoutAlternativeNames().issue()))
                .isEqualTo("bad_certificate");
    }

    @Test
    void boringSslAnswersACertificateNotForClientAuthenticationWithBadCertificate() throws Exception {
        assertThat(alertFromBoringSsl(CA.client("mount-1").purpose(KeyPurposeId.id_kp_serverAuth).issue()))
                .isEqualTo("bad_certificate");
    }

    @Test
    void boringSslAnswersNoCertificateWithCertificateRequired() throws Exception {
        assertThat(alertFromBoringSsl(null)).isEqualTo("certificate_required");
    }

    @Test
    void theJdksTlsAnswersEveryRefusedCertificateWithCertificateUnknown() throws Exception {
        start(SslProvider.JDK);
        assertThat(alert(OTHER_CA.client("mount-1").issue())).isEqualTo("certificate_unknown");
        assertThat(alert(CA.client("mount-1").selfSigned().issue())).isEqualTo("certificate_unknown");
        assertThat(alert(expired())).isEqualTo("certificate_unknown");
        assertThat(alert(notYetValid())).isEqualTo("certificate_unknown");
        assertThat(alert(CA.client("mount-1").purpose(KeyPurposeId.id_kp_serverAuth).issue()))
                .isEqualTo("certificate_unknown");
    }

    @Test
    void theJdksTlsAnswersACertificateWithoutTheMountsNamesWithinTheHandshake() throws Exception {
        start(SslProvider.JDK);
        assertThat(alert(CA.client("mount-1").withoutAlternativeNames().issue())).isEqualTo("certificate_unknown");
    }

    @Test
    void theJdksTlsAnswersNoCertificateWithCertificateRequired() throws Exception {
        start(SslProvider.JDK);
        assertThat(alert(null)).isEqualTo("certificate_required");
    }

    private String alertFromBoringSsl(TestCa.Issued certificate) throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "BoringSSL's native library loads here");
        start(SslProvider.OPENSSL);
        return alert(certificate);
    }

    private void start(SslProvider provider) throws Exception {
        backend = new TestBackend(TestBackend.ECHO);
        server = TunnelServer.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .backend(backend.address())
                .credentials(() -> CA.node(Tunnels.NODE_ID).issue().trusting(CA))
                .listener(listener)
                .tlsProvider(provider)
                .threads(1)
                .start();
    }

    /** The alert the client received; every refusal is also reported, and nothing reaches the backend. */
    private String alert(TestCa.Issued certificate) {
        int refusedBefore = listener.refused.size();
        String alert = certificate == null
                ? RawTlsClient.alertReceived(server.localAddress(), null, null, CA.certificate())
                : RawTlsClient.alertReceived(server.localAddress(), certificate.keys().getPrivate(),
                certificate.certificate(), CA.certificate());
        Await.until("the refusal is reported", () -> listener.refused.size() > refusedBefore);
        assertThat(listener.opened).isEmpty();
        assertThat(backend.acceptedFrom()).isEmpty();
        return alert;
    }

    private static TestCa.Issued expired() {
        Instant now = Instant.now();
        return CA.client("mount-1").validity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))).issue();
    }

    private static TestCa.Issued notYetValid() {
        Instant now = Instant.now();
        return CA.client("mount-1").validity(now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(2))).issue();
    }
}
