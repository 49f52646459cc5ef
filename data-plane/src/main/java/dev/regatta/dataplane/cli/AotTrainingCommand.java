package dev.regatta.dataplane.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code regatta aot-training}: the run {@code ./regatta} records the ahead-of-time cache from ({@link AotTraining}).
 * Hidden: it is part of the build, not something a user runs.
 */
@Command(name = "aot-training", hidden = true, mixinStandardHelpOptions = true,
        description = "Run the workload the start-up cache is trained on, in a fresh directory, and exit.")
final class AotTrainingCommand implements Callable<Integer> {

    @Option(names = "--data-dir", required = true, description = "An empty directory for the run's bucket and node.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dataDir);
        AotTraining.Done done = AotTraining.run(dataDir.toAbsolutePath(), 4, 150);
        Console.say("aot-training: " + done.calls() + " NFS calls, " + done.uploadedObjects()
                + " objects uploaded, " + done.importedBytesRead() + " bytes of imported objects read");
        return 0;
    }
}
