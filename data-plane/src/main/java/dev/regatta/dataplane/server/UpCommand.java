package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
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
            Properties credentials = localCredentials(dataDir);
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

    /** The local bucket's keys: made once, kept (owner-only) in the data directory. */
    private static Properties localCredentials(Path dataDir) throws IOException {
        Path file = dataDir.resolve("s3-credentials.properties");
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newInputStream(file)) {
                p.load(in);
            }
            return p;
        }
        SecureRandom random = new SecureRandom();
        byte[] id = new byte[10];
        byte[] secret = new byte[20];
        random.nextBytes(id);
        random.nextBytes(secret);
        p.setProperty("access-key", "RG" + HexFormat.of().formatHex(id).toUpperCase());
        p.setProperty("secret-key", HexFormat.of().formatHex(secret));
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var out = Files.newOutputStream(file)) {
            p.store(out, "credentials of the local S3 endpoint of ./regatta up");
        }
        return p;
    }
}
