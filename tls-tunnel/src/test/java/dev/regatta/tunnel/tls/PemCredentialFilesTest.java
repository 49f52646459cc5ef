package dev.regatta.tunnel.tls;

import dev.regatta.tunnel.testing.PemWriter;
import dev.regatta.tunnel.testing.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemCredentialFilesTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TestCa PREVIOUS_CA = TestCa.create("Regatta previous CA");

    @TempDir
    Path directory;

    @Test
    void loadsAKeyItsCertificateAndABundleOfCaCertificates() throws Exception {
        TestCa.Issued node = CA.node("node-1").issue();
        PemCredentialFiles files = write(node, node, CA.certificate(), PREVIOUS_CA.certificate());

        TlsCredentials credentials = files.load();

        assertThat(credentials.privateKey().getEncoded()).isEqualTo(node.keys().getPrivate().getEncoded());
        assertThat(credentials.chain()).containsExactly(node.certificate());
        assertThat(credentials.caCertificates()).containsExactly(CA.certificate(), PREVIOUS_CA.certificate());
        assertThat(credentials.toString()).doesNotContain("PRIVATE", node.keys().getPrivate().toString());
    }

    @Test
    void refusesAKeyThatIsNotTheCertificatesOwn() throws Exception {
        PemCredentialFiles files = write(CA.node("node-1").issue(), CA.node("node-1").issue(), CA.certificate());
        assertThatThrownBy(files::load).isInstanceOf(IOException.class)
                .hasMessageContaining("do not fit together")
                .hasMessageContaining("the private key is not the key of the certificate 'O=Regatta,CN=node-1'");
    }

    @Test
    void namesTheFileThatIsUnusable() throws Exception {
        TestCa.Issued node = CA.node("node-1").issue();
        PemCredentialFiles files = write(node, node, CA.certificate());
        Files.writeString(files.caFile(), "not a certificate");
        assertThatThrownBy(files::load).isInstanceOf(IOException.class)
                .hasMessageContaining("the CA certificates file " + files.caFile() + " is unusable");
        Files.delete(files.keyFile());
        assertThatThrownBy(files::load).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot read the private key file " + files.keyFile());
    }

    @Test
    void itsVersionChangesWhenAFileIsRewritten() throws Exception {
        TestCa.Issued node = CA.node("node-1").issue();
        PemCredentialFiles files = write(node, node, CA.certificate());
        var before = files.version();
        PemWriter.writeCertificates(files.certificateFile(), CA.node("node-1").issue().certificate());
        Files.setLastModifiedTime(files.certificateFile(), FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(files.version()).isNotEqualTo(before);
    }

    private PemCredentialFiles write(TestCa.Issued keyOf, TestCa.Issued certificateOf,
                                     java.security.cert.X509Certificate... cas) throws IOException {
        return new PemCredentialFiles(PemWriter.writeKey(directory.resolve("key.pem"), keyOf.keys().getPrivate()),
                PemWriter.writeCertificates(directory.resolve("cert.pem"), certificateOf.certificate()),
                PemWriter.writeCertificates(directory.resolve("ca.pem"), cas));
    }
}
