package dev.regatta.tunnel.tls;

import dev.regatta.pki.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Credentials kept in three PEM files, the way the node agent and the mount helper store them: the private key
 * (PKCS#8), the certificate chain (this end's certificate first), and the CA certificates to trust (concatenated).
 * Read anew at each {@link #load()}, so renewing a certificate is: write the files, then reload.
 */
public record PemCredentialFiles(Path keyFile, Path certificateFile, Path caFile) implements CredentialSource {

    @Override
    public TlsCredentials load() throws IOException {
        try {
            return new TlsCredentials(parse(keyFile, "private key", Pem::privateKey),
                    parse(certificateFile, "certificate", Pem::certificates),
                    parse(caFile, "CA certificates", Pem::certificates));
        } catch (IllegalArgumentException e) {
            throw new IOException("the credentials in " + keyFile + ", " + certificateFile + " and " + caFile
                    + " do not fit together: " + e.getMessage(), e);
        }
    }

    /**
     * A token that changes when any of the files is rewritten (modification times and sizes), for watching them
     * without reading the key.
     */
    public List<Object> version() throws IOException {
        return List.of(Files.getLastModifiedTime(keyFile), Files.size(keyFile),
                Files.getLastModifiedTime(certificateFile), Files.size(certificateFile),
                Files.getLastModifiedTime(caFile), Files.size(caFile));
    }

    private interface Parser<T> {
        T parse(String pem) throws IOException, GeneralSecurityException;
    }

    private static <T> T parse(Path file, String what, Parser<T> parser) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IOException("cannot read the " + what + " file " + file + ": " + e, e);
        }
        try {
            return parser.parse(text);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IOException("the " + what + " file " + file + " is unusable: " + e.getMessage(), e);
        }
    }
}
