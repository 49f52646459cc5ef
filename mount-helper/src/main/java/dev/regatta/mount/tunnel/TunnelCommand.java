package dev.regatta.mount.tunnel;

import java.util.ArrayList;
import java.util.List;

/**
 * The tunnel's command line, the contract with the tls-tunnel module:
 * {@code <program> client --connect HOST:PORT --key FILE --cert FILE --ca FILE (--listen-port N | --port-range A-B)}.
 * Once it listens it prints {@code regatta-tunnel: listening 127.0.0.1:<port>}.
 */
public final class TunnelCommand {

    public static final String MAIN_CLASS = "dev.regatta.tunnel.cli.TunnelCli";

    private TunnelCommand() {
    }

    static List<String> arguments(TunnelSpec spec) {
        List<String> arguments = new ArrayList<>(List.of("client",
                "--connect", spec.nodeAddress(),
                "--key", spec.credentials().key().toString(),
                "--cert", spec.credentials().certificate().toString(),
                "--ca", spec.credentials().caCertificates().toString()));
        if (spec.listenPort().isPresent()) {
            arguments.addAll(List.of("--listen-port", Integer.toString(spec.listenPort().getAsInt())));
        } else {
            arguments.addAll(List.of("--port-range", spec.portRange().toString()));
        }
        return arguments;
    }
}
