package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.s3.LocalS3Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Only the local S3 endpoint of the embedded default, as its own process: test harnesses and benchmarks stop and
 * start it independently of the data plane, and point other S3 clients (s3fs, rclone) at it.
 */
@Command(name = "s3", mixinStandardHelpOptions = true,
        description = "Serve a local S3 endpoint (S3Proxy over a directory) with one bucket.")
final class LocalS3Command implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "${env:REGATTA_DATA_DIR:-.regatta}",
            description = "Directory whose s3/ holds the buckets (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--s3-port", defaultValue = "${env:REGATTA_S3_PORT:-9000}",
            description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bucket", defaultValue = "${env:REGATTA_BUCKET:-demo}",
            description = "Bucket to create if missing (default: ${DEFAULT-VALUE}).")
    String bucket;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // Checked before anything starts: a name S3 would refuse is the user's mistake, told in a line, not a trace.
        if (!LocalS3Endpoint.validBucketName(bucket)) {
            throw new ParameterException(spec.commandLine(), "invalid S3 bucket name '" + bucket
                    + "': 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit");
        }
        Path dir = dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        Properties credentials = credentials(dir);
        LocalS3Endpoint s3 = LocalS3Endpoint.startFilesystem(dir.resolve("s3"), port,
                credentials.getProperty("access-key"), credentials.getProperty("secret-key"));
        s3.createBucket(bucket);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s3.close();
            stopped.countDown();
        }));
        Console.say("s3 " + s3.endpoint() + " bucket " + bucket + " access-key " + s3.accessKey() + " secret-key "
                + s3.secretKey());
        Console.say("ready");
        stopped.await();
        return 0;
    }

    /** The local bucket's keys: made once, kept (owner-only) in the data directory. */
    static Properties credentials(Path dataDir) throws IOException {
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
