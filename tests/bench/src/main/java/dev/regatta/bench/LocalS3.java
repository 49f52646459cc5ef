package dev.regatta.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ./regatta s3} on a fresh directory: a local S3 endpoint with one bucket, behind the counting proxy. */
final class LocalS3 implements AutoCloseable {
    static final String BUCKET = "bench";
    private static final Pattern LINE = Pattern.compile(
            "regatta: s3 (\\S+) bucket (\\S+) access-key (\\S+) secret-key (\\S+)");

    final Proc.Daemon daemon;
    final URI endpoint;
    final String accessKey;
    final String secretKey;
    final CountingProxy proxy;

    LocalS3(Path repo, Path dir, Path logDir, String label, CountingProxy proxy) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        this.proxy = proxy;
        daemon = new Proc.Daemon(logDir.resolve(label + "-s3.log"),
                List.of(repo.resolve("regatta").toString(), "s3", "--data-dir", dir.toString(), "--s3-port", "0",
                        "--bucket", BUCKET), null);
        List<String> out = daemon.waitFor("regatta: ready", 180);
        Matcher m = out.stream().map(LINE::matcher).filter(Matcher::find).findFirst()
                .orElseThrow(() -> new IOException("no endpoint line from regatta s3"));
        endpoint = URI.create(m.group(1));
        accessKey = m.group(3);
        secretKey = m.group(4);
        proxy.upstream(endpoint.getPort());
    }

    /** What clients are pointed at: the counting proxy. */
    String proxyUrl() {
        return "http://127.0.0.1:" + proxy.port();
    }

    @Override
    public void close() {
        daemon.stop(20);
    }
}
