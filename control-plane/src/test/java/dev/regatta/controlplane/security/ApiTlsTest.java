package dev.regatta.controlplane.security;

import dev.regatta.controlplane.EmbeddedDatabaseTest;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS for the API, configured the way the README tells an operator to: a PEM certificate and key as an SSL bundle
 * named by {@code server.ssl.bundle}. The API then speaks HTTPS only, with that certificate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiTlsTest extends EmbeddedDatabaseTest {

    private static final X509Certificate SERVER_CERTIFICATE;
    private static final Path PEM_DIR;

    static {
        try {
            PEM_DIR = Files.createTempDirectory("regatta-api-tls");
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair key = generator.generateKeyPair();
            Instant now = Instant.now();
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(new X500Name("CN=127.0.0.1"),
                    BigInteger.ONE, Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=127.0.0.1"), key.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
            SERVER_CERTIFICATE = new JcaX509CertificateConverter().getCertificate(holder);
            writePem(PEM_DIR.resolve("api.crt"), SERVER_CERTIFICATE);
            // PKCS#8, as `openssl genpkey` writes it.
            writePem(PEM_DIR.resolve("api.key"), new JcaPKCS8Generator(key.getPrivate(), null));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) {
        registry.add("spring.ssl.bundle.pem.api.keystore.certificate", () -> "file:" + PEM_DIR.resolve("api.crt"));
        registry.add("spring.ssl.bundle.pem.api.keystore.private-key", () -> "file:" + PEM_DIR.resolve("api.key"));
        registry.add("server.ssl.bundle", () -> "api");
    }

    @LocalServerPort
    int port;

    @Test
    void theApiAnswersOverHttpsWithTheConfiguredCertificate() throws Exception {
        HttpResponse<String> response = client(trusting(SERVER_CERTIFICATE)).send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/service")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("serverId");
        X509Certificate presented = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertThat(presented).isEqualTo(SERVER_CERTIFICATE);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
        HttpClient untrusting = client(SSLContext.getDefault());
        assertThatThrownBy(() -> untrusting.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/service")).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void plainHttpGetsNoApiAnswer() throws Exception {
        HttpResponse<String> response;
        try {
            response = client(SSLContext.getDefault()).send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/service")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException refused) {
            return; // the connection was closed: no answer at all
        }
        // Tomcat may answer a plain request on a TLS port with 400; what matters is that no API answer comes back.
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).doesNotContain("serverId");
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static SSLContext trusting(X509Certificate certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("api", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static void writePem(Path file, Object object) throws IOException {
        try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(object);
        }
    }
}
