package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.server.Admission;
import dev.regatta.tunnel.server.TunnelServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code regatta-tunnel server}: a standalone node end, admitting every mount whose certificate verifies (the data
 * plane embeds {@link TunnelServer} instead, with its grants as the admission).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Accepts mutual TLS 1.3 connections from tunnel clients and forwards each to the backend. "
                + "Admits every client certificate that chains to the CA. Prints "
                + "'regatta-tunnel: listening <addr>:<port>' when ready; runs until terminated.")
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--listen", required = true, paramLabel = "ADDR:PORT", converter = HostPort.Converter.class,
            description = "Where to accept TLS connections (port 0 picks a free one).")
    HostPort listen;

    @Option(names = "--backend", required = true, paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "Where to forward admitted connections, in plain TCP (the NFS server).")
    HostPort backend;

    @Mixin
    CredentialOptions credentials;

    @Override
    public Integer call() throws Exception {
        TunnelServer server = TunnelServer.builder()
                .listen(listen.resolved())
                .backend(backend.resolved())
                .credentials(credentials.files())
                .admission(Admission.admitAll())
                .start();
        CredentialWatcher watcher = new CredentialWatcher(credentials.files(), server::reloadCredentials,
                credentials.reloadCheckSeconds);
        System.out.println("regatta-tunnel: listening " + server.localAddress().getAddress().getHostAddress() + ":"
                + server.port());
        System.out.flush();
        UntilTerminated.run(watcher, server);
        return 0;
    }
}
