package dev.regatta.mount;

import dev.regatta.mount.aws.CredentialSource;
import dev.regatta.mount.aws.SdkCredentialSource;
import dev.regatta.mount.config.ConfigFile;
import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.host.CommandRunner;
import dev.regatta.mount.host.HostFiles;
import dev.regatta.mount.host.ProcessCommandRunner;
import dev.regatta.mount.host.ThisJvm;
import dev.regatta.mount.tunnel.ProcessTunnelLauncher;
import dev.regatta.mount.tunnel.TunnelCommand;
import dev.regatta.mount.tunnel.TunnelLauncher;
import dev.regatta.mount.watchdog.ProcessWatchdogStarter;
import dev.regatta.mount.watchdog.WatchdogStarter;

import java.io.PrintStream;
import java.time.Clock;

/**
 * What mount.regatta works with beyond its arguments: the configuration, this machine, and the processes it starts.
 * {@link #real()} is the machine it runs on; tests build one from temporary files and fakes.
 */
public record Environment(HelperConfig config, HostFiles host, CommandRunner commands, TunnelLauncher tunnels,
                          WatchdogStarter watchdogs, CredentialSource credentials, Clock clock, PrintStream out,
                          PrintStream err) {

    public static Environment real() {
        HelperConfig config = ConfigFile.load(System.getenv());
        return new Environment(config, HostFiles.real(), new ProcessCommandRunner(),
                new ProcessTunnelLauncher(ThisJvm.program(TunnelCommand.MAIN_CLASS), config.tunnelStartTimeout()),
                new ProcessWatchdogStarter(config, ThisJvm.program(MountRegatta.class.getName())),
                new SdkCredentialSource(), Clock.systemUTC(), System.out, System.err);
    }
}
