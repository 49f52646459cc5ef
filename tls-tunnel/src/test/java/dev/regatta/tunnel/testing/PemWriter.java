package dev.regatta.tunnel.testing;

import dev.regatta.pki.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** Writes keys and certificates as the node agent and the mount helper store them. */
public final class PemWriter {

    private PemWriter() {
    }

    /** PKCS#8 ({@code PRIVATE KEY}). */
    public static Path writeKey(Path file, PrivateKey key) throws IOException {
        return Files.writeString(file, Pem.privateKeyText(key));
    }

    /** The certificates concatenated, in order. */
    public static Path writeCertificates(Path file, X509Certificate... certificates) throws IOException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append(Pem.encode(certificate));
        }
        return Files.writeString(file, text);
    }
}
