package dev.regatta.mount.tunnel;

import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.options.PortRange;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * What a tunnel needs to start.
 *
 * @param nodeAddresses  {@code host:port} of the data-plane node's TLS front, or of each member of the file system's
 *                       replication group, the one to try first at the head
 * @param listenPort     the local port to listen on; empty: any free one of {@code portRange}
 * @param logDir         its output goes to {@code tunnel-<FS_ID>-<port>.log} there
 * @param listenAddress  the loopback address to listen on: the mount's own (127.0.77.x), or 127.0.0.1
 * @param portmapper     whether it also answers portmapper calls on that address, for NFS locks
 * @param portmapperPort the portmapper's port; 0: a free one
 */
public record TunnelSpec(String fileSystemId, List<String> nodeAddresses, CredentialFiles credentials,
                         OptionalInt listenPort, PortRange portRange, Path logDir, String listenAddress,
                         boolean portmapper, int portmapperPort) {

    public static final String DEFAULT_ADDRESS = "127.0.0.1";

    public TunnelSpec {
        if (nodeAddresses.isEmpty()) {
            throw new IllegalArgumentException("a tunnel needs a node address");
        }
        nodeAddresses = List.copyOf(nodeAddresses);
    }

    /** On 127.0.0.1, without a portmapper. */
    public TunnelSpec(String fileSystemId, List<String> nodeAddresses, CredentialFiles credentials,
                      OptionalInt listenPort, PortRange portRange, Path logDir) {
        this(fileSystemId, nodeAddresses, credentials, listenPort, portRange, logDir, DEFAULT_ADDRESS, false, 0);
    }

    /** The node addresses for a log line. */
    public String nodes() {
        return String.join(", ", nodeAddresses);
    }

    public Path logFile(int port) {
        return logFile(logDir, fileSystemId, port);
    }

    public static Path logFile(Path logDir, String fileSystemId, int port) {
        return logDir.resolve("tunnel-" + fileSystemId + "-" + port + ".log");
    }
}
