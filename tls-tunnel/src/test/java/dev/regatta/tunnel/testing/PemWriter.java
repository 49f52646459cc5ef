package dev.regatta.tunnel.testing;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringWriter;
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
        return Files.writeString(file, pem(new PemObject("PRIVATE KEY", key.getEncoded())));
    }

    /** The certificates concatenated, in order. */
    public static Path writeCertificates(Path file, X509Certificate... certificates) throws IOException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append(pem(certificate));
        }
        return Files.writeString(file, text);
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
