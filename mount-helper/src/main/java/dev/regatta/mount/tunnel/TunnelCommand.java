package dev.regatta.mount.tunnel;

import java.util.ArrayList;
import java.util.List;

/**
 * The tunnel's command line, the contract with the tls-tunnel module:
 * {@code <program> client --connect HOST:PORT[,HOST:PORT...] --key FILE --cert FILE --ca FILE
 * (--listen-port N | --port-range A-B) [--listen-address A] [--portmapper [--portmapper-port R]]}, with every
 * member of the file system's replication group after {@code --connect}, the one to try first at the head. Once it
 * listens it prints {@code regatta-tunnel: listening <address>:<port>}, after
 * {@code regatta-tunnel: portmapper <address>:<port>} if asked for one.
 */
public final class TunnelCommand {

    public static final String MAIN_CLASS = "dev.regatta.tunnel.cli.TunnelCli";

    private TunnelCommand() {
    }

    static List<String> arguments(TunnelSpec spec) {
        List<String> arguments = new ArrayList<>(List.of("client",
                "--connect", String.join(",", spec.nodeAddresses()),
                "--key", spec.credentials().key().toString(),
                "--cert", spec.credentials().certificate().toString(),
                "--ca", spec.credentials().caCertificates().toString()));
        if (spec.listenPort().isPresent()) {
            arguments.addAll(List.of("--listen-port", Integer.toString(spec.listenPort().getAsInt())));
        } else {
            arguments.addAll(List.of("--port-range", spec.portRange().toString()));
        }
        if (!spec.listenAddress().equals(TunnelSpec.DEFAULT_ADDRESS)) {
            arguments.addAll(List.of("--listen-address", spec.listenAddress()));
        }
        if (spec.portmapper()) {
            arguments.add("--portmapper");
            if (spec.portmapperPort() != 0) {
                arguments.addAll(List.of("--portmapper-port", Integer.toString(spec.portmapperPort())));
            }
        }
        return arguments;
    }
}
