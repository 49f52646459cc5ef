package dev.regatta.dataplane.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** A secret the embedded default makes once and keeps in its data directory, readable by the owner only. */
final class SecretFile {

    private SecretFile() {
    }

    /** The secret in {@code file}, or a new one ({@code prefix} + 32 random bytes, base64url) stored there. */
    static String readOrCreate(Path file, String prefix) throws IOException {
        if (Files.exists(file)) {
            String secret = Files.readString(file).strip();
            if (!secret.isEmpty()) {
                return secret;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String secret = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, secret + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return secret;
    }
}
