package dev.regatta.tunnel.tls;

import dev.regatta.tunnel.testing.PemWriter;
import dev.regatta.tunnel.testing.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two members shake hands over real TLS sockets, each end checking the other's certificate. */
class MemberTlsTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TestCa OTHER_CA = TestCa.create("Someone else's CA");

    @TempDir
    Path directory;

    @Test
    void twoNodesOfTheCaShakeHandsEachCheckingTheOther() throws Exception {
        MemberTls a = member("a", CA.node("node-a").issue(), CA);
        MemberTls b = member("b", CA.node("node-b").issue(), CA);

        X509Certificate[] seen = handshake(a, b);

        assertThat(seen[0].getSubjectX500Principal().getName()).contains("CN=node-a");
        assertThat(seen[1].getSubjectX500Principal().getName()).contains("CN=node-b");
    }

    @Test
    void aNodeOfAnotherCaIsRefused() throws Exception {
        MemberTls ours = member("ours", CA.node("node-a").issue(), CA);
        MemberTls stranger = member("stranger", OTHER_CA.node("node-x").issue(), OTHER_CA);

        assertThatThrownBy(() -> handshake(ours, stranger)).isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> ours.trustManager().checkClientTrusted(
                new X509Certificate[]{OTHER_CA.node("node-x").issue().certificate()}, "EC"))
                .hasMessageContaining("the member certificate 'O=Regatta,CN=node-x'")
                .hasMessageContaining("is not trusted");
    }

    @Test
    void aMountsClientCertificateIsNoMembersCertificate() throws Exception {
        MemberTls ours = member("ours", CA.node("node-a").issue(), CA);
        X509Certificate mount = CA.client("mount-1").issue().certificate();

        assertThatThrownBy(() -> ours.trustManager().checkClientTrusted(new X509Certificate[]{mount}, "EC"))
                .hasMessageContaining("is not for serverAuth");
        X509Certificate unnamed = CA.node("node-b").withoutAlternativeNames().issue().certificate();
        assertThatThrownBy(() -> ours.trustManager().checkServerTrusted(new X509Certificate[]{unnamed}, "EC"))
                .hasMessageContaining("names no node");
    }

    @Test
    void aRenewedCertificateIsPresentedAtTheNextConnection() throws Exception {
        Path dir = directory.resolve("renewing");
        Files.createDirectories(dir);
        TestCa.Issued first = CA.node("node-a").issue();
        PemCredentialFiles files = write(dir, first, CA);
        MemberTls renewing = new MemberTls(files);
        MemberTls other = member("other", CA.node("node-b").issue(), CA);
        assertThat(handshake(renewing, other)[0]).isEqualTo(first.certificate());

        TestCa.Issued renewed = CA.node("node-a").issue();
        write(dir, renewed, CA);
        Files.setLastModifiedTime(files.keyFile(), FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(handshake(renewing, other)[0]).isEqualTo(renewed.certificate());
    }

    private MemberTls member(String name, TestCa.Issued node, TestCa ca) throws IOException {
        Path dir = directory.resolve(name);
        Files.createDirectories(dir);
        return new MemberTls(write(dir, node, ca));
    }

    private static PemCredentialFiles write(Path dir, TestCa.Issued node, TestCa ca) throws IOException {
        return new PemCredentialFiles(PemWriter.writeKey(dir.resolve("key.pem"), node.keys().getPrivate()),
                PemWriter.writeCertificates(dir.resolve("cert.pem"), node.certificate()),
                PemWriter.writeCertificates(dir.resolve("ca.pem"), ca.certificate()));
    }

    /**
     * {@code client} connects to {@code server}, client authentication required; returns the certificate the server
     * saw of the client and the one the client saw of the server.
     */
    private static X509Certificate[] handshake(MemberTls client, MemberTls server) throws Exception {
        SSLContext serverContext = SSLContext.getInstance("TLSv1.3");
        serverContext.init(new KeyManager[]{server.keyManager()}, new TrustManager[]{server.trustManager()}, null);
        SSLContext clientContext = SSLContext.getInstance("TLSv1.3");
        clientContext.init(new KeyManager[]{client.keyManager()}, new TrustManager[]{client.trustManager()}, null);
        try (SSLServerSocket listening = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listening.setNeedClientAuth(true);
            CompletableFuture<X509Certificate> seenByServer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listening.accept()) {
                    accepted.startHandshake();
                    X509Certificate peer = (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                    accepted.getOutputStream().write(1);
                    return peer;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
                socket.startHandshake();
                X509Certificate seenByClient = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                // TLS 1.3 checks the client's certificate after the client's handshake returns: read the server's
                // byte to learn whether it took it.
                if (socket.getInputStream().read() != 1) {
                    throw new SSLException("the server closed the connection");
                }
                return new X509Certificate[]{seenByServer.get(5, TimeUnit.SECONDS), seenByClient};
            }
        }
    }
}
