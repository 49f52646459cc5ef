package dev.regatta.mount.tunnel;

import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.options.PortRange;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * What a tunnel needs to start.
 *
 * @param nodeAddress {@code host:port} of the data-plane node's TLS front
 * @param listenPort  the local port to listen on; empty: any free one of {@code portRange}
 * @param logDir      its output goes to {@code tunnel-<FS_ID>-<port>.log} there
 */
public record TunnelSpec(String fileSystemId, String nodeAddress, CredentialFiles credentials, OptionalInt listenPort,
                         PortRange portRange, Path logDir) {

    public Path logFile(int port) {
        return logFile(logDir, fileSystemId, port);
    }

    public static Path logFile(Path logDir, String fileSystemId, int port) {
        return logDir.resolve("tunnel-" + fileSystemId + "-" + port + ".log");
    }
}
