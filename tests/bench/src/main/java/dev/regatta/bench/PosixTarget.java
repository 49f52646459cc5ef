package dev.regatta.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A POSIX directory: the raw local disk, or a FUSE mount of the bucket (s3fs, rclone). Driven through java.nio. */
final class PosixTarget implements Target {
    enum Kind { DISK, S3FS, RCLONE }

    private final Kind kind;
    private final Path repo;
    private final Path work;
    private final Path logs;
    private final CountingProxy proxy;
    private final Path root;
    private LocalS3 s3;
    private Proc.Daemon mount;
    private int rcPort;
    private final StringBuilder notes = new StringBuilder();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    PosixTarget(Kind kind, Path repo, Path work, Path logs, CountingProxy proxy) {
        this.kind = kind;
        this.repo = repo;
        this.work = work.resolve(kind.name().toLowerCase());
        this.logs = logs;
        this.proxy = proxy;
        this.root = this.work.resolve(kind == Kind.DISK ? "dir" : "mnt");
    }

    @Override
    public String name() {
        return switch (kind) {
            case DISK -> "disk";
            case S3FS -> "s3fs";
            case RCLONE -> "rclone";
        };
    }

    @Override
    public boolean usesS3() {
        return kind != Kind.DISK;
    }

    @Override
    public Path bucketDir() {
        return kind == Kind.DISK ? null : work.resolve("s3").resolve("s3").resolve(LocalS3.BUCKET);
    }

    @Override
    public Path localDir() {
        return kind == Kind.DISK ? root : null;
    }

    @Override
    public String notes() {
        return notes.toString();
    }

    @Override
    public void start() throws Exception {
        Bench.deleteTree(work);
        Files.createDirectories(root);
        if (kind == Kind.DISK) {
            return;
        }
        s3 = new LocalS3(repo, work.resolve("s3"), logs, name(), proxy);
        mount();
    }

    private void mount() throws Exception {
        List<String> cmd;
        if (kind == Kind.S3FS) {
            Path pw = work.resolve("passwd");
            Files.writeString(pw, s3.accessKey + ":" + s3.secretKey + "\n");
            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
            cmd = List.of("s3fs", LocalS3.BUCKET, root.toString(), "-f", "-o",
                    "passwd_file=" + pw + ",url=" + s3.proxyUrl() + ",use_path_request_style,dbglevel=warn");
        } else {
            Path conf = work.resolve("rclone.conf");
            Files.writeString(conf, "[bench]\ntype = s3\nprovider = Other\nendpoint = " + s3.proxyUrl()
                    + "\naccess_key_id = " + s3.accessKey + "\nsecret_access_key = " + s3.secretKey
                    + "\nforce_path_style = true\n");
            Path cache = work.resolve("rclone-cache");
            Bench.deleteTree(cache);
            rcPort = Bench.freePort();
            cmd = List.of("rclone", "--config", conf.toString(), "mount", "bench:" + LocalS3.BUCKET, root.toString(),
                    "--vfs-cache-mode", "full", "--cache-dir", cache.toString(),
                    // upload after 1 s, as the data plane runs here (--quiet-period 1s); default is 5 s
                    "--vfs-write-back", "1s",
                    "--rc", "--rc-no-auth", "--rc-addr", "127.0.0.1:" + rcPort);
        }
        mount = new Proc.Daemon(logs.resolve(name() + "-mount.log"), cmd, null);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!mounted()) {
            if (!mount.process.isAlive()) {
                throw new IOException(name() + " exited while mounting; see " + mount.log);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name() + " did not mount within 60 s; see " + mount.log);
            }
            Thread.sleep(100);
        }
    }

    private boolean mounted() throws IOException {
        String want = root.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(want)) {
                return true;
            }
        }
        return false;
    }

    private void unmount() throws Exception {
        if (mount == null) {
            return;
        }
        String fm = Bench.onPath("fusermount3") ? "fusermount3" : "fusermount";
        if (!Proc.tryRun(fm, "-u", root.toString())) {
            Thread.sleep(1000);
            if (!Proc.tryRun(fm, "-u", root.toString())) {
                Proc.tryRun(fm, "-uz", root.toString());
            }
        }
        mount.stop(30);
        mount = null;
    }

    @Override
    public void stop() {
        try {
            unmount();
        } catch (Exception e) {
            notes.append("unmount failed: ").append(e.getMessage()).append('\n');
        }
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
    }

    @Override
    public void goCold() throws Exception {
        if (kind != Kind.DISK) {
            waitBucket();
            unmount(); // the rclone cache dir is emptied by mount()
            mount();
        }
        Bench.dropCaches();
    }

    @Override
    public void waitBucket() throws Exception {
        if (kind != Kind.RCLONE) {
            return; // disk has no bucket; s3fs uploads on flush/fsync before returning
        }
        long deadline = System.nanoTime() + 900_000_000_000L;
        Pattern inProgress = Pattern.compile("\"uploadsInProgress\":\\s*(\\d+)");
        Pattern queued = Pattern.compile("\"uploadsQueued\":\\s*(\\d+)");
        int zeros = 0;
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rcPort + "/vfs/stats"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher a = inProgress.matcher(body);
            Matcher b = queued.matcher(body);
            if (!a.find() || !b.find()) {
                throw new IOException("rclone vfs/stats has no upload counters: " + body);
            }
            long pending = Long.parseLong(a.group(1)) + Long.parseLong(b.group(1));
            zeros = pending == 0 ? zeros + 1 : 0;
            // twice in a row, and S3 quiet for 300 ms: a file written last may not be queued yet at the first poll
            if (zeros >= 2 && proxy.nanosSinceLastRequest() > 300_000_000L) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("rclone uploads not finished within 15 min");
    }

    private Path p(String rel) {
        return root.resolve(rel);
    }

    @Override
    public void writeStream(Path src, String rel) throws Exception {
        try (FileChannel in = FileChannel.open(src);
             FileChannel out = FileChannel.open(p(rel), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (in.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                buf.clear();
            }
            out.force(true);
        }
    }

    @Override
    public long readStream(String rel) throws Exception {
        long total = 0;
        try (FileChannel in = FileChannel.open(p(rel))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                buf.clear();
            }
        }
        return total;
    }

    @Override
    public void mkdir(String rel) throws Exception {
        Files.createDirectory(p(rel));
    }

    @Override
    public void writeSmall(String rel, byte[] data) throws Exception {
        Files.write(p(rel), data);
    }

    @Override
    public int listStat(String rel) throws Exception {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p(rel))) {
            for (Path e : ds) {
                Files.readAttributes(e, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                n++;
            }
        }
        return n;
    }

    @Override
    public int readSmall(String rel) throws Exception {
        try (InputStream in = Files.newInputStream(p(rel))) {
            return in.readAllBytes().length;
        }
    }

    @Override
    public void delete(String rel) throws Exception {
        Files.delete(p(rel));
    }

    @Override
    public void randomWrites(String rel, long[] offsets, byte[] block, int threads) throws Exception {
        try (FileChannel ch = FileChannel.open(p(rel), StandardOpenOption.WRITE)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (long off : offsets) {
                    fs.add(pool.submit(() -> {
                        ByteBuffer b = ByteBuffer.wrap(block);
                        long pos = off;
                        while (b.hasRemaining()) {
                            pos += ch.write(b, pos);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            ch.force(true);
        }
    }

    @Override
    public void rename(String from, String to) throws Exception {
        // mv: rename(2), and where a file system refuses a directory rename (EXDEV), mv's own copy + delete
        Proc.run(logs.resolve(name() + "-mv.log"), 900, "mv", p(from).toString(), p(to).toString());
    }
}
