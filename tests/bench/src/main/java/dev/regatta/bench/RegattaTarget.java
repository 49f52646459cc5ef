package dev.regatta.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Regatta: {@code ./regatta data-plane} against the local S3 endpoint through the counting proxy, driven by the NFS
 * clients of {@link NfsTarget}; its service times per NFS procedure come from the data plane's own histograms.
 */
final class RegattaTarget extends NfsTarget {
    static final String EXPORT = "/fs-demo";

    private final Path repo;
    private final Path work;
    private final CountingProxy proxy;
    private LocalS3 s3;
    private Proc.Daemon plane;
    private int generation;
    private int nfsPort;
    private URI metrics;
    private int scrapeBytes;
    private int scrapeLines;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder notes = new StringBuilder();
    /** The data plane's --revalidate-after, or null for its default. */
    private Duration revalidateAfter;

    RegattaTarget(Path repo, Path work, Path logs, CountingProxy proxy) {
        super(logs);
        this.repo = repo;
        this.work = work.resolve("regatta");
        this.proxy = proxy;
    }

    @Override
    public String name() {
        return "regatta";
    }

    @Override
    public boolean usesS3() {
        return true;
    }

    @Override
    public Path bucketDir() {
        return work.resolve("s3").resolve("s3").resolve(LocalS3.BUCKET);
    }

    @Override
    public String notes() {
        return notes + (scrapeBytes == 0 ? "" : String.format(
                "last metrics scrape: %d lines, %d KiB (nfs_requests histograms included)%n", scrapeLines, scrapeBytes >> 10));
    }

    @Override
    public void start() throws Exception {
        Bench.deleteTree(work);
        s3 = new LocalS3(repo, work.resolve("s3"), logs, name(), proxy);
        startPlane();
    }

    private static final Pattern NFS_LINE = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) export");
    private static final Pattern METRICS_LINE = Pattern.compile("regatta: metrics (\\S+)");

    /** A data plane on a fresh data dir (fresh cache), mounted. */
    private void startPlane() throws Exception {
        generation++;
        Path dataDir = work.resolve("data-plane-" + generation);
        long t0 = System.nanoTime();
        List<String> cmd = new ArrayList<>(List.of(
                repo.resolve("regatta").toString(), "data-plane", "--data-dir", dataDir.toString(),
                "--nfs-port", "0", "--metrics-port", "0", "--portmap",
                "--s3-endpoint", s3.proxyUrl(), "--s3-access-key", s3.accessKey, "--s3-secret-key", s3.secretKey,
                "--bucket", LocalS3.BUCKET, "--quiet-period", "1s"));
        if (revalidateAfter != null) {
            cmd.addAll(List.of("--revalidate-after", revalidateAfter.toMillis() + "ms"));
        }
        plane = new Proc.Daemon(logs.resolve("regatta-data-plane-" + generation + ".log"), cmd, null);
        List<String> out = plane.waitFor("regatta: ready", 180);
        for (String l : out) {
            Matcher m = NFS_LINE.matcher(l);
            if (m.find()) {
                nfsPort = Integer.parseInt(m.group(1));
            }
            Matcher mm = METRICS_LINE.matcher(l);
            if (mm.find()) {
                metrics = URI.create(mm.group(1));
            }
        }
        if (nfsPort == 0 || metrics == null) {
            throw new IOException("data plane did not print its NFS port and metrics URL; see " + plane.log);
        }
        notes.append(String.format("data plane #%d: %.1f s from launch to ready%s%n", generation, (System.nanoTime() - t0) / 1e9,
                revalidateAfter == null ? "" : ", --revalidate-after " + revalidateAfter.toMillis() + "ms"));
        // the data plane answers portmap on 111 (--portmap) and MOUNT on its NFS port
        connect(EXPORT, nfsPort, nfsPort);
    }

    private void stopPlane() {
        disconnect();
        if (plane != null) {
            plane.stop(60);
            plane = null;
        }
    }

    @Override
    public void stop() {
        stopPlane();
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
    }

    @Override
    public void goCold() throws Exception {
        waitBucket();
        stopPlane();
        startPlane(); // fresh data dir: nothing cached
        Bench.dropCaches();
    }

    /**
     * Restarts the data plane on a fresh data dir with this revalidation interval (listings older than it are listed
     * again in the background on their next use), for the workload that runs writers across several intervals.
     */
    void restartRevalidatingAfter(Duration interval) throws Exception {
        waitBucket();
        stopPlane();
        revalidateAfter = interval;
        startPlane();
    }

    /** The data plane's heap in use after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}). */
    HeapInfo heapAfterGc() throws Exception {
        long pid = plane.process.pid(); // ./regatta execs the JVM
        jcmd(pid, "GC.run");
        return HeapInfo.parse(jcmd(pid, "GC.heap_info"));
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
        }
        return out;
    }

    /** The metrics endpoint's text: all series, or only those named ({@code name[]=}, as Prometheus asks). */
    private String scrape(List<String> only) throws IOException, InterruptedException {
        URI uri = only.isEmpty() ? metrics : URI.create(metrics + "?" + String.join("&",
                only.stream().map(n -> "name%5B%5D=" + URLEncoder.encode(n, StandardCharsets.UTF_8)).toList()));
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The data plane's metrics now: each sample line (name with labels) to its value. */
    Map<String, Double> metrics() throws IOException, InterruptedException {
        return metrics(List.of());
    }

    /**
     * As {@link #metrics()}, of the series named only: the drain below polls every 50 ms, and rendering all 1,100
     * lines each time took 12-24% of the data plane's CPU samples in profiles of whole runs.
     */
    Map<String, Double> metrics(List<String> only) throws IOException, InterruptedException {
        String body = scrape(only);
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException ignored) {
                // not a sample
            }
        }
        return m;
    }

    /**
     * Returns once nothing is pending: no file to upload or delete, and no listed object waiting for its background
     * HEAD (a listing queues one per new object; left undrained, they ran into the next phase and were counted and
     * felt there). A HEAD already running is not in the queue: the phase's wait for S3 to go quiet covers it.
     */
    @Override
    public void waitBucket() throws Exception {
        long deadline = System.nanoTime() + 900_000_000_000L;
        int zeros = 0;
        while (System.nanoTime() < deadline) {
            if (drained(metrics(PENDING))) {
                zeros++;
            } else {
                zeros = 0;
            }
            if (zeros >= 2) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("write-back and background HEADs not drained within 15 min");
    }

    /** Whether a scrape shows nothing pending (the gauges that say so must be there). */
    static boolean drained(Map<String, Double> m) throws IOException {
        for (String gauge : PENDING) {
            Double v = m.get(gauge);
            if (v == null) {
                throw new IOException("metrics lack " + gauge);
            }
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** The data plane's gauges of work still to do for what was done so far. */
    static final List<String> PENDING = List.of("sync_dirty_files", "sync_pending_deletes", "import_heads_queued");

    /** The data plane's NFSv3 service times so far (its {@code nfs_requests} histogram). */
    @Override
    public ServiceTimes serviceTimes() throws IOException, InterruptedException {
        String body = scrape(List.of());
        scrapeBytes = body.length();
        scrapeLines = body.split("\n").length;
        return ServiceTimes.parse(body, "nfs_requests_seconds");
    }
}
