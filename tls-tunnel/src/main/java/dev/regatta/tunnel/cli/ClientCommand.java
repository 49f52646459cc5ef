package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.tls.NodeVerification;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code regatta-tunnel client}: the instance's end, for the NFS client on a loopback address (127.0.0.1). */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Listens on 127.0.0.1 (or --listen-address) and carries each connection over mutual TLS 1.3 to "
                + "a data-plane node. With --portmapper, first prints 'regatta-tunnel: portmapper <address>:<port>'. "
                + "Prints 'regatta-tunnel: listening <address>:<port>' when ready; runs until terminated.")
final class ClientCommand implements Callable<Integer> {

    @Option(names = "--connect", required = true, paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "The node's TLS address (the mount's nodeAddress).")
    HostPort node;

    @Mixin
    CredentialOptions credentials;

    @Option(names = "--node-id", paramLabel = "ID",
            description = "The node ID the node's certificate must name (regatta:node:<ID>). Without it, the "
                    + "certificate must name the --connect host (hostname verification).")
    String nodeId;

    @ArgGroup(exclusive = true)
    ListenPort listen;

    static final class ListenPort {
        @Option(names = "--listen-port", paramLabel = "N", description = "Listen on exactly this port.")
        Integer port;

        @Option(names = "--port-range", paramLabel = "A-B", converter = PortRange.Converter.class,
                description = "Listen on the first free port of this range (default: 20049-20449).")
        PortRange range;
    }

    @Option(names = "--listen-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The IP address to listen on, e.g. 127.0.77.5 (default: ${DEFAULT-VALUE}).")
    String listenAddress;

    @Option(names = "--portmapper", description = "For NFS locks: answer portmapper/rpcbind calls (TCP and UDP) on the "
            + "listen address (NFS 3, MOUNT 3, NLM 4 and NSM 1 are on the tunnel's port over TCP), and pass the "
            + "node's lock callbacks to this machine's lock manager and status monitor (found through rpcbind at "
            + "127.0.0.1:111), calling from the listen address.")
    boolean portmapper;

    @Option(names = "--portmapper-port", paramLabel = "N", defaultValue = "0",
            description = "The portmapper's port (default: a free one).")
    int portmapperPort;

    @Option(names = "--connect-timeout-seconds", defaultValue = "5", paramLabel = "SECONDS",
            description = "Time for one attempt to connect and handshake (default: ${DEFAULT-VALUE}).")
    long connectTimeoutSeconds;

    @Option(names = "--connect-attempts", defaultValue = "4", paramLabel = "N",
            description = "Attempts per local connection before closing it (default: ${DEFAULT-VALUE}).")
    int connectAttempts;

    @Override
    public Integer call() throws Exception {
        TunnelClient.Builder builder = TunnelClient.builder()
                .node(node.host(), node.port())
                .credentials(credentials.files())
                .nodeVerification(nodeId == null ? NodeVerification.hostname() : NodeVerification.nodeId(nodeId))
                .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
                .connectAttempts(connectAttempts)
                .listenAddress(address(listenAddress));
        if (portmapper) {
            builder.portmapper(portmapperPort).callbacks();
        }
        if (listen != null && listen.port != null) {
            builder.listenPort(listen.port);
        } else if (listen != null && listen.range != null) {
            builder.listenPortRange(listen.range.first(), listen.range.last());
        }
        TunnelClient client = builder.start();
        CredentialWatcher watcher = new CredentialWatcher(credentials.files(), client::reloadCredentials,
                credentials.reloadCheckSeconds);
        // The portmapper line first: whoever waits for "listening" finds both.
        client.portmapperAddress().ifPresent(pm -> System.out.println("regatta-tunnel: portmapper "
                + text(pm)));
        System.out.println("regatta-tunnel: listening " + text(client.localAddress()));
        System.out.flush();
        UntilTerminated.run(watcher, client);
        return 0;
    }

    private static String text(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** A literal IP address only: a host name would be looked up, and a tunnel must not listen where DNS says. */
    private static InetAddress address(String text) {
        if (!text.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("--listen-address: '" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--listen-address: '" + text + "' is not an IP address");
        }
    }
}
