package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs one data-plane node against a configured bucket, in the foreground. */
@Command(name = "data-plane", mixinStandardHelpOptions = true,
        description = "Serve a bucket over NFSv3 through the local write-back cache.")
final class DataPlaneCommand implements Callable<Integer> {

    @Mixin
    DataPlaneOptions options;

    @Override
    public Integer call() throws Exception {
        DataPlaneConfig config = options.toConfig();
        DataPlane dataPlane = DataPlane.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dataPlane.close();
            stopped.countDown();
        }));
        if (config.controlPlane() == null) {
            Console.say("nfs " + config.bindAddress() + ":" + dataPlane.nfsPort() + " export " + config.exportPath());
        } else {
            Console.say("nfs " + config.bindAddress() + ":" + dataPlane.nfsPort() + " exports assigned by the "
                    + "control plane at " + config.controlPlane().url());
        }
        if (dataPlane.metricsPort() > 0) {
            Console.say("metrics http://" + config.bindAddress() + ":" + dataPlane.metricsPort() + "/metrics");
        }
        Console.say("ready");
        stopped.await();
        return 0;
    }
}
