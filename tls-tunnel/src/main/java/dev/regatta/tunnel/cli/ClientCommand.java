package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.client.TunnelClient;
import dev.regatta.tunnel.pki.NodeVerification;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code regatta-tunnel client}: the instance's end, for the NFS client on 127.0.0.1. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Listens on 127.0.0.1 and carries each connection over mutual TLS 1.3 to a data-plane node. "
                + "Prints 'regatta-tunnel: listening 127.0.0.1:<port>' when ready; runs until terminated.")
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
                .connectAttempts(connectAttempts);
        if (listen != null && listen.port != null) {
            builder.listenPort(listen.port);
        } else if (listen != null && listen.range != null) {
            builder.listenPortRange(listen.range.first(), listen.range.last());
        }
        TunnelClient client = builder.start();
        CredentialWatcher watcher = new CredentialWatcher(credentials.files(), client::reloadCredentials,
                credentials.reloadCheckSeconds);
        System.out.println("regatta-tunnel: listening " + client.localAddress().getAddress().getHostAddress() + ":"
                + client.port());
        System.out.flush();
        UntilTerminated.run(watcher, client);
        return 0;
    }
}
