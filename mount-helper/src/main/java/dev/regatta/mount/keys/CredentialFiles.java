package dev.regatta.mount.keys;

import dev.regatta.mount.host.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where one mount's TLS credentials live: {@code <lib_dir>/<FS_ID>/<mount ID of the directory>/} (0700) with
 * {@code key.pem}, {@code certificate.pem} and {@code ca.pem} (0600). The tunnel reads them there and reloads them
 * when they change, so each is replaced atomically.
 */
public record CredentialFiles(Path directory) {

    public static CredentialFiles of(Path libDir, String fileSystemId, String mountKey) {
        return new CredentialFiles(libDir.resolve(fileSystemId).resolve(mountKey));
    }

    public Path key() {
        return directory.resolve("key.pem");
    }

    public Path certificate() {
        return directory.resolve("certificate.pem");
    }

    public Path caCertificates() {
        return directory.resolve("ca.pem");
    }

    /**
     * Writes the key before the certificate: a tunnel that reloads in between sees a key its certificate does not
     * match, fails that handshake and keeps its current credentials until the certificate follows.
     */
    public void write(String privateKeyPem, String certificatePem, List<String> caCertificatePems) throws IOException {
        AtomicFiles.directory(directory.getParent(), AtomicFiles.OWNER_ONLY_DIRECTORY);
        AtomicFiles.directory(directory, AtomicFiles.OWNER_ONLY_DIRECTORY);
        AtomicFiles.write(caCertificates(), String.join("", caCertificatePems.stream().map(CredentialFiles::endLine)
                .toList()).getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY_FILE);
        AtomicFiles.write(key(), privateKeyPem.getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY_FILE);
        AtomicFiles.write(certificate(), endLine(certificatePem).getBytes(StandardCharsets.US_ASCII),
                AtomicFiles.OWNER_ONLY_FILE);
    }

    /** Removes this mount's directory, and the file system's when no other mount of it is left. */
    public void delete() throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> walk = Files.walk(directory)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
        try {
            Files.deleteIfExists(directory.getParent());
        } catch (DirectoryNotEmptyException e) {
            // another mount of the same file system still has its credentials there
        }
    }

    private static String endLine(String pem) {
        return pem.endsWith("\n") ? pem : pem + "\n";
    }
}
