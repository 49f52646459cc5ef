package dev.regatta.dataplane.cli;

import dev.regatta.pki.PrivateFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code regatta} command: {@code up} starts the embedded default, {@code data-plane} one node against a
 * bucket, {@code s3} only the local bucket.
 */
@Command(name = "regatta", mixinStandardHelpOptions = true, version = "regatta 0.1.0",
        description = "An S3 bucket as a shared, strongly consistent POSIX file system.",
        subcommands = {UpCommand.class, DataPlaneCommand.class, LocalS3Command.class, AotTrainingCommand.class})
public final class RegattaCli {

    public static void main(String[] args) {
        // First, before any command creates a file: everything under a data directory is the user's alone.
        PrivateFiles.restrictUmask();
        CommandLine cli = new CommandLine(new RegattaCli());
        configFile(args).ifPresent(file -> cli.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(file)));
        System.exit(cli.execute(args));
    }

    /** A properties file whose keys are option names without dashes supplies defaults under the flags. */
    private static java.util.Optional<java.io.File> configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return java.util.Optional.of(new java.io.File(args[i + 1]));
            }
            if (args[i].startsWith("--config=")) {
                return java.util.Optional.of(new java.io.File(args[i].substring("--config=".length())));
            }
        }
        return java.util.Optional.empty();
    }
}
