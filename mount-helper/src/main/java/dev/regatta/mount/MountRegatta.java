package dev.regatta.mount;

import dev.regatta.mount.mounting.Mounter;
import dev.regatta.mount.options.FileSystemId;
import dev.regatta.mount.options.MountOptions;
import dev.regatta.mount.watchdog.WatchdogCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code mount.regatta FS_ID DIR [-o OPTIONS]}, the program mount(8) runs for {@code mount -t regatta}; and
 * {@code mount.regatta watchdog}, which looks after the mounts afterwards.
 */
@Command(name = "mount.regatta", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        description = "Mounts a Regatta file system (run by mount -t regatta FS_ID DIR -o OPTIONS).",
        footer = {"",
                "Options for -o (comma-separated; any other option goes to the NFS mount as it is):",
                "  ro | rw                     read-only or read-write access (default rw)",
                "  region=REGION               region to sign the STS proof for",
                "  awsprofile=NAME             credentials from this AWS profile (default: the SDK's chain)",
                "  control-plane=URL           the control plane's API (default: control_plane in the config)",
                "  port=N                      the tunnel's local port (default: a free one of the range)",
                "  tunnelport-range=A-B        ports to choose it from (default: tunnel_port_range)",
                "  nconnect=N                  TCP connections of the NFS client (1 to 16)",
                "Set by mount.regatta and refused: vers, nfsvers, proto, tcp, udp, mountport, mountproto,",
                "mountvers, addr, mountaddr, lock.",
                "",
                "Configuration: /etc/regatta/regatta.conf, or the file REGATTA_CONFIG names.",
                "Exit codes: 0 mounted, 1 usage or permissions, 2 system error, 4 internal error, 32 mount failure."})
public final class MountRegatta implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FS_ID", description = "The file system, fs-...")
    String fileSystemId;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "The mount point.")
    Path mountPoint;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Mount options, comma-separated (see below).")
    List<String> options = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Explain every step on stderr.")
    boolean verbose;

    @Option(names = {"--no-mount", "-f"}, description = "Do everything but the kernel mount; print its command.")
    boolean noMount;

    // mount(8) may pass these to every helper: -n (do not write /etc/mtab: there is none to write), -s (tolerate
    // unknown options: they go to the NFS mount anyway), -t (the type, which is regatta).
    @Option(names = "-n", hidden = true)
    boolean noMtab;

    @Option(names = "-s", hidden = true)
    boolean sloppy;

    @Option(names = "-t", hidden = true)
    String type;

    private final Supplier<Environment> environments;

    public MountRegatta(Supplier<Environment> environments) {
        this.environments = environments;
    }

    public static void main(String[] args) {
        System.exit(commandLine(Environment::real).execute(args));
    }

    /** The command line over an environment; tests run it over theirs. */
    public static CommandLine commandLine(Supplier<Environment> environments) {
        Supplier<Environment> once = memoized(environments);
        CommandLine cli = new CommandLine(new MountRegatta(once));
        cli.addSubcommand(new WatchdogCommand(once));
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof MountFailure) {
                err.println("mount.regatta: " + e.getMessage());
                return ((MountFailure) e).exitCode();
            }
            err.println("mount.regatta: unexpected error (a bug; please report it with this trace): " + e);
            e.printStackTrace(err);
            return ExitCodes.INTERNAL_ERROR;
        });
        return cli;
    }

    @Override
    public Integer call() {
        if (fileSystemId == null || mountPoint == null) {
            throw MountFailure.usage("usage: mount.regatta FS_ID DIR [-o OPTIONS] (mount.regatta --help says more)");
        }
        FileSystemId fileSystem = FileSystemId.fromMountSource(fileSystemId);
        MountOptions parsed = MountOptions.parse(options);
        Environment environment = environments.get();
        new Mounter(environment, new Narrator(environment.err(), verbose))
                .mount(fileSystem, mountPoint.toAbsolutePath(), parsed, !noMount);
        return ExitCodes.SUCCESS;
    }

    private static Supplier<Environment> memoized(Supplier<Environment> environments) {
        Environment[] made = new Environment[1];
        return () -> {
            if (made[0] == null) {
                made[0] = environments.get();
            }
            return made[0];
        };
    }
}
