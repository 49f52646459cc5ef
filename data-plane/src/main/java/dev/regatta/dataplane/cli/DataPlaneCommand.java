package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs one data-plane node against a configured bucket, in the foreground. */
@Command(name = "data-plane", mixinStandardHelpOptions = true,
        description = "Serve a bucket over NFSv3 through the local write-back cache.")
final class DataPlaneCommand implements Callable<Integer> {

    @Mixin
    DataPlaneOptions options;

    @Option(names = "--export-alias", paramLabel = "PATH=ID",
            description = "With --control-plane: also export the file system ID (once it is assigned here) as PATH, "
                    + "as 'up' exports its demo file system as /fs-demo.")
    String exportAlias;

    @Override
    public Integer call() throws Exception {
        ParentWatch.startIfRequested();
        DataPlaneConfig config = options.toConfig();
        String[] alias = exportAlias == null ? null : exportAlias.split("=", 2);
        if (alias != null && (alias.length != 2 || !alias[0].startsWith("/") || alias[1].isBlank()
                || config.controlPlane() == null)) {
            throw new IllegalArgumentException("--export-alias: '" + exportAlias + "' is not PATH=ID (a path from /, "
                    + "a file system ID), or is given without --control-plane");
        }
        DataPlane dataPlane = DataPlane.start(config);
        if (alias != null) {
            dataPlane.aliasExport(alias[0], alias[1]);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dataPlane.close();
            stopped.countDown();
        }));
        if (config.controlPlane() == null) {
            Console.say("nfs " + config.bindAddress() + ":" + dataPlane.nfsPort() + " export " + config.exportPath());
        } else {
            Console.say("nfs " + config.bindAddress() + ":" + dataPlane.nfsPort() + " exports assigned by the "
                    + "control plane at " + String.join(", ", config.controlPlane().urls().stream().map(URI::toString).toList()));
        }
        if (dataPlane.metricsPort() > 0) {
            Console.say("metrics http://" + config.bindAddress() + ":" + dataPlane.metricsPort() + "/metrics");
        }
        Console.say("ready");
        stopped.await();
        return 0;
    }
}
