package dev.regatta.controlplane.ca;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * The AES-256 key that keeps the CA's private key encrypted at rest (AES-GCM; the stored form is a 12-byte nonce
 * followed by ciphertext and tag). It comes from {@code regatta.ca.key-encryption-key}; without one, a key is made
 * once in the data directory, which protects a database dump but not a stolen disk: production sets the property.
 */
final class KeyEncryptionKey {

    private static final Logger LOG = LoggerFactory.getLogger(KeyEncryptionKey.class);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] CONTEXT = "regatta-ca-private-key-v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    KeyEncryptionKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("regatta.ca.key-encryption-key must be base64 of exactly 32 bytes, "
                    + "not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    static KeyEncryptionKey from(ControlPlaneProperties properties) {
        String configured = properties.ca().keyEncryptionKey();
        if (!configured.isBlank()) {
            try {
                return new KeyEncryptionKey(Base64.getDecoder().decode(configured.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("regatta.ca.key-encryption-key is not valid base64 of 32 bytes "
                        + "(make one with: head -c 32 /dev/urandom | base64)", e);
            }
        }
        return new KeyEncryptionKey(fromDataDirectory(properties.dataDir().resolve("ca-key-encryption-key")));
    }

    private static byte[] fromDataDirectory(Path file) {
        try {
            if (Files.exists(file)) {
                return Base64.getDecoder().decode(Files.readString(file).strip());
            }
            Files.createDirectories(file.getParent());
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("generated the CA key-encryption key in {}; in production set regatta.ca.key-encryption-key "
                    + "from a secret store instead", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the CA key-encryption key " + file, e);
        }
    }

    byte[] encrypt(byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(CONTEXT);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** @throws IllegalStateException when the data was encrypted under another key or was altered */
    byte[] decrypt(byte[] stored) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE_BYTES));
            cipher.updateAAD(CONTEXT);
            return cipher.doFinal(Arrays.copyOfRange(stored, NONCE_BYTES, stored.length));
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("cannot decrypt the CA's private key: regatta.ca.key-encryption-key is "
                    + "not the key it was encrypted with, or the stored key was altered", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt the CA's private key", e);
        }
    }
}
