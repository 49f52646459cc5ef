package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.tls.PemCredentialFiles;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The PEM files an end proves itself with and trusts, and how often to look for renewed ones. */
final class CredentialOptions {

    @Option(names = "--key", required = true, paramLabel = "FILE",
            description = "This end's private key (PEM, PKCS#8).")
    Path key;

    @Option(names = "--cert", required = true, paramLabel = "FILE",
            description = "This end's certificate, then any intermediates (PEM).")
    Path certificate;

    @Option(names = "--ca", required = true, paramLabel = "FILE",
            description = "The CA certificates the other end must chain to (PEM, concatenated).")
    Path caCertificates;

    @Option(names = "--reload-check-seconds", defaultValue = "30", paramLabel = "SECONDS",
            description = "How often to check the three files for a renewal; rewritten files are reloaded for new "
                    + "connections (default: ${DEFAULT-VALUE}).")
    long reloadCheckSeconds;

    PemCredentialFiles files() {
        return new PemCredentialFiles(key, certificate, caCertificates);
    }
}
