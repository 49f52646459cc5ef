package dev.regatta.tunnel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -cp regatta-tls-tunnel.jar:lib/* dev.regatta.tunnel.cli.TunnelCli client|server ...}.
 * Standard output carries only the {@code regatta-tunnel:} lines that scripts read; logs go to standard error.
 */
@Command(name = "regatta-tunnel", mixinStandardHelpOptions = true, version = "regatta-tunnel 0.1.0",
        description = "Carries NFS over mutual TLS 1.3 between a mount's instance and a Regatta data-plane node.",
        subcommands = {ClientCommand.class, ServerCommand.class})
public final class TunnelCli {

    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    public static void main(String[] args) {
        // Set before the first logger exists; the library jar carries no logback.xml of its own, so that it never
        // overrides the configuration of the data plane that embeds it.
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "regatta-tunnel-logback.xml");
        }
        System.exit(new CommandLine(new TunnelCli()).execute(args));
    }
}
