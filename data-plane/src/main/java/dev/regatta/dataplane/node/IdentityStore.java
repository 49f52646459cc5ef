package dev.regatta.dataplane.node;

import dev.regatta.dataplane.files.DurableFiles;
import dev.regatta.pki.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node identity in {@code <data-dir>/node/}: {@code node-id}, {@code node-token} and {@code node-key.pem}
 * (owner only), {@code node-certificate.pem}, {@code ca-certificates.pem}. {@code node-id} is written last and
 * removed first, so a crash halfway through leaves no identity rather than a mixed one: the node then registers
 * anew.
 */
final class IdentityStore {

    private static final Logger log = LoggerFactory.getLogger(IdentityStore.class);
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----.*?-----END \\1-----\\R?", Pattern.DOTALL);

    private static final String NODE_ID = "node-id";
    private static final String NODE_TOKEN = "node-token";
    private static final String PRIVATE_KEY = "node-key.pem";
    private static final String CERTIFICATE = "node-certificate.pem";
    private static final String CA_CERTIFICATES = "ca-certificates.pem";

    private final Path dir;

    IdentityStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    boolean exists() {
        return Files.exists(dir.resolve(NODE_ID));
    }

    /** The stored identity; empty when there is none or it is incomplete. */
    IdentityFiles files() {
        return new IdentityFiles(dir.resolve(PRIVATE_KEY), dir.resolve(CERTIFICATE), dir.resolve(CA_CERTIFICATES));
    }

    Optional<NodeIdentity> load() {
        if (!exists()) {
            return Optional.empty();
        }
        try {
            String nodeId = Files.readString(dir.resolve(NODE_ID), StandardCharsets.UTF_8).strip();
            String token = Files.readString(dir.resolve(NODE_TOKEN), StandardCharsets.UTF_8).strip();
            PrivateKey key = Pem.privateKey(Files.readString(dir.resolve(PRIVATE_KEY), StandardCharsets.UTF_8));
            String certificate = Files.readString(dir.resolve(CERTIFICATE), StandardCharsets.UTF_8);
            List<String> cas = pemBlocks(Files.readString(dir.resolve(CA_CERTIFICATES), StandardCharsets.UTF_8));
            return Optional.of(new NodeIdentity(nodeId, token, key, certificate, cas));
        } catch (IOException | RuntimeException e) {
            log.warn("the node identity in {} is incomplete or unreadable ({}); registering anew", dir, e.toString());
            return Optional.empty();
        }
    }

    void save(NodeIdentity identity) {
        try {
            createPrivateDir();
            Files.deleteIfExists(dir.resolve(NODE_ID));
            write(PRIVATE_KEY, Pem.privateKeyText(identity.privateKey()), true);
            write(CERTIFICATE, identity.certificatePem(), false);
            write(CA_CERTIFICATES, String.join("", identity.caCertificatePems().stream()
                    .map(p -> p.endsWith("\n") ? p : p + "\n").toList()), false);
            write(NODE_TOKEN, identity.nodeToken() + "\n", true);
            write(NODE_ID, identity.nodeId() + "\n", false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the node identity in " + dir, e);
        }
    }

    /** Forgets the identity the control plane no longer accepts (the key material is replaced at registration). */
    void clear() {
        try {
            Files.deleteIfExists(dir.resolve(NODE_ID));
            Files.deleteIfExists(dir.resolve(NODE_TOKEN));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the node identity in " + dir, e);
        }
    }

    private void createPrivateDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private void write(String name, String content, boolean secret) throws IOException {
        DurableFiles.replace(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8), secret);
    }

    static List<String> pemBlocks(String text) {
        List<String> blocks = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String block = m.group();
            blocks.add(block.endsWith("\n") ? block : block + "\n");
        }
        return blocks;
    }
}
