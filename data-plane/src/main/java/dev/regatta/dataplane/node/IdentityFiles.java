package dev.regatta.dataplane.node;

import java.nio.file.Path;

/** Where the node's TLS credentials are on disk: its private key (PKCS#8), its certificate, the CA certificates. */
public record IdentityFiles(Path privateKey, Path certificate, Path caCertificates) {
}
