package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded default: a local S3 endpoint (S3Proxy over a directory) with a bucket, and the data plane serving
 * it, in the foreground until Ctrl-C. Everything lives in the data directory, so a restart keeps it all.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local bucket and the data plane serving it, and print how to mount.")
final class UpCommand implements Callable<Integer> {

    @Mixin
    DataPlaneOptions options;

    @Option(names = "--s3-port", defaultValue = "${env:REGATTA_S3_PORT:-9000}",
            description = "Port of the local S3 endpoint (default: ${DEFAULT-VALUE}); ignored with --s3-endpoint.")
    int s3Port;

    @Override
    public Integer call() throws Exception {
        Path dataDir = options.dataDir.toAbsolutePath();
        Files.createDirectories(dataDir);
        LocalS3Endpoint localS3 = null;
        if (options.s3Endpoint == null) {
            Properties credentials = LocalS3Command.credentials(dataDir);
            localS3 = LocalS3Endpoint.startFilesystem(dataDir.resolve("s3"), s3Port,
                    credentials.getProperty("access-key"), credentials.getProperty("secret-key"));
            localS3.createBucket(options.bucket);
            options.s3Endpoint = localS3.endpoint();
            options.s3AccessKey = localS3.accessKey();
            options.s3SecretKey = localS3.secretKey();
        }
        DataPlaneConfig config = options.toConfig();
        DataPlane dataPlane = DataPlane.start(config);
        LocalS3Endpoint s3 = localS3;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dataPlane.close();
            if (s3 != null) {
                s3.close();
            }
            stopped.countDown();
        }));
        URI endpoint = options.s3Endpoint;
        Console.say("s3 " + endpoint + " bucket " + options.bucket + " access-key "
                + (options.s3AccessKey == null ? "(default chain)" : options.s3AccessKey) + " secret-key "
                + (s3 == null ? "(as given)" : options.s3SecretKey));
        int port = dataPlane.nfsPort();
        Console.say("nfs " + config.bindAddress() + ":" + port + " export " + config.exportPath());
        Console.say("mount with: mount -t nfs -o vers=3,proto=tcp,port=" + port + ",mountport=" + port
                + ",nolock " + config.bindAddress() + ":" + config.exportPath() + " /mnt/demo");
        if (dataPlane.metricsPort() > 0) {
            Console.say("metrics http://" + config.bindAddress() + ":" + dataPlane.metricsPort() + "/metrics");
        }
        Console.say("ready");
        stopped.await();
        return 0;
    }
}
