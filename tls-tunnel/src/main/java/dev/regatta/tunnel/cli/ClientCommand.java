package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.client.NodeAddress;
import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.tls.NodeVerification;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code regatta-tunnel client}: the instance's end, for the NFS client on a loopback address (127.0.0.1). */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Listens on 127.0.0.1 (or --listen-address) and carries each connection over mutual TLS 1.3 to "
                + "a data-plane node, or to the member of a replication group that takes it. With --portmapper, first "
                + "prints 'regatta-tunnel: portmapper <address>:<port>'. Prints 'regatta-tunnel: listening <address>:<port>' when ready; runs until terminated.")
final class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--connect", required = true, split = ",", paramLabel = "HOST:PORT",
            converter = HostPort.NodeConverter.class,
            description = "The node's TLS address (the mount's nodeAddress); for a replication group, every member's "
                    + "(its memberAddresses), the likely leader first: comma-separated, or the option repeated. A new "
                    + "connection tries the member that last took one first, then the others in order.")
    List<NodeAddress> nodes;

    @Mixin
    CredentialOptions credentials;

    @Option(names = "--node-id", paramLabel = "ID",
            description = "The node ID the node's certificate must name (regatta:node:<ID>); only with a single "
                    + "--connect address, since it names one node. Without it, each node's certificate must name the "
                    + "host it is reached at (hostname verification).")
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

    @Option(names = "--hold-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long a new local connection is held open, its bytes waiting, while no node takes it "
                    + "(a node restarting, a failover to another member), before it is closed (default: "
                    + "${DEFAULT-VALUE}).")
    long holdSeconds;

    @Option(names = "--connect-attempts", paramLabel = "N",
            description = "At most N rounds over the nodes (each tried once; with one node, N attempts) per local "
                    + "connection, even within the hold time (default: 4 with one --connect address, as before "
                    + "replication groups; no limit with several).")
    Integer connectAttempts;

    @Override
    public Integer call() throws Exception {
        if (nodes.stream().distinct().count() != nodes.size()) {
            throw new ParameterException(spec.commandLine(), "--connect names an address twice: " + text(nodes));
        }
        if (nodeId != null && nodes.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--node-id names one node, but --connect gives "
                    + nodes.size() + " (" + text(nodes) + "): leave --node-id out, and each node's certificate is "
                    + "checked against the address it is reached at");
        }
        if (holdSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--hold-seconds cannot be negative: " + holdSeconds);
        }
        if (connectAttempts != null && connectAttempts < 1) {
            throw new ParameterException(spec.commandLine(), "--connect-attempts must be at least 1: "
                    + connectAttempts);
        }
        TunnelClient.Builder builder = TunnelClient.builder()
                .nodes(nodes)
                .credentials(credentials.files())
                .nodeVerification(nodeId == null ? NodeVerification.hostname() : NodeVerification.nodeId(nodeId))
                .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
                .holdTime(Duration.ofSeconds(holdSeconds))
                .listenAddress(address(listenAddress));
        if (connectAttempts != null) {
            builder.connectAttempts(connectAttempts);
        }
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

    private static String text(List<NodeAddress> addresses) {
        return addresses.stream().map(NodeAddress::toString).collect(Collectors.joining(", "));
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
