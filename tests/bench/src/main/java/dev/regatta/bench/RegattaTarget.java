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
 * clients of {@link NfsTarget}; its service times per NFS procedure come from the data plane's own histograms. A
 * subclass may serve the file system from more than one data plane ({@link RegattaGroupTarget}): the bench then
 * drives, scrapes and measures the one that serves.
 */
class RegattaTarget extends NfsTarget {
    static final String EXPORT = "/fs-demo";

    /** A started data plane: its process, and the NFS port and metrics URL it printed. */
    record Node(Proc.Daemon daemon, int nfsPort, URI metrics) {
    }

    private final String name;
    private final Path repo;
    private final Path work;
    private final CountingProxy proxy;
    private LocalS3 s3;
    /** Every data plane process of the current start, stopped together. */
    private final List<Proc.Daemon> running = new ArrayList<>();
    /** The data plane the clients mount and whose metrics are read. */
    private Node serving;
    private int generation;
    private int scrapeBytes;
    private int scrapeLines;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final StringBuilder notes = new StringBuilder();
    /** The data plane's --revalidate-after, or null for its default. */
    private Duration revalidateAfter;

    RegattaTarget(Path repo, Path work, Path logs, CountingProxy proxy) {
        this("regatta", repo, work, logs, proxy);
    }

    /** A system named {@code name}, its files in {@code <work>/<name>}. */
    RegattaTarget(String name, Path repo, Path work, Path logs, CountingProxy proxy) {
        super(logs);
        this.name = name;
        this.repo = repo;
        this.work = work.resolve(name);
        this.proxy = proxy;
    }

    @Override
    public String name() {
        return name;
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

    /** Data planes on fresh data dirs (fresh cache), the serving one mounted. */
    private void startPlane() throws Exception {
        generation++;
        serving = launchPlanes(generation);
        connect(EXPORT, serving.nfsPort(), serving.nfsPort()); // MOUNT is on the NFS port
    }

    /**
     * Starts this start's data planes (the {@code generation}th) and returns once one serves: here the one data plane,
     * which answers portmap on 111 itself (--portmap) for the NFS client library.
     */
    Node launchPlanes(int generation) throws Exception {
        long t0 = System.nanoTime();
        Node node = ready(launch(generation, "", List.of("--portmap")));
        notes.append(String.format("data plane #%d: %.1f s from launch to ready%s%n", generation,
                (System.nanoTime() - t0) / 1e9, revalidating()));
        return node;
    }

    /**
     * Starts a data plane on a fresh data dir ({@code data-plane-<generation><suffix>}, its log named alike) with the
     * S3 endpoint, bucket and timings every one gets here, and {@code options}; {@link #ready} waits for it.
     */
    Proc.Daemon launch(int generation, String suffix, List<String> options) throws IOException {
        String label = "data-plane-" + generation + suffix;
        List<String> cmd = new ArrayList<>(List.of(
                repo.resolve("regatta").toString(), "data-plane", "--data-dir", work.resolve(label).toString(),
                "--nfs-port", "0", "--metrics-port", "0",
                "--s3-endpoint", s3.proxyUrl(), "--s3-access-key", s3.accessKey, "--s3-secret-key", s3.secretKey,
                "--bucket", LocalS3.BUCKET, "--quiet-period", "1s"));
        if (revalidateAfter != null) {
            cmd.addAll(List.of("--revalidate-after", revalidateAfter.toMillis() + "ms"));
        }
        cmd.addAll(options);
        Proc.Daemon plane = new Proc.Daemon(logs.resolve(name() + "-" + label + ".log"), cmd, null);
        running.add(plane);
        return plane;
    }

    /** Waits for a launched data plane's "regatta: ready"; its NFS port and metrics URL as it printed them. */
    static Node ready(Proc.Daemon plane) throws IOException, InterruptedException {
        int nfsPort = 0;
        URI metrics = null;
        for (String l : plane.waitFor("regatta: ready", 180)) {
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
        return new Node(plane, nfsPort, metrics);
    }

    /** ", --revalidate-after 3000ms" when the data planes are started with one, for the notes. */
    String revalidating() {
        return revalidateAfter == null ? "" : ", --revalidate-after " + revalidateAfter.toMillis() + "ms";
    }

    /** The data plane that serves now (null while none is started). */
    Node serving() {
        return serving;
    }

    /** Unmounts, then stops every data plane of this start: all signalled first, so that they stop together. */
    void stopPlane() {
        disconnect();
        running.forEach(p -> p.process.destroy());
        running.forEach(p -> p.stop(60));
        running.clear();
        serving = null;
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
        startPlane(); // fresh data dirs: nothing cached
        Bench.dropCaches();
    }

    /**
     * Restarts the data planes on fresh data dirs with this revalidation interval (listings older than it are listed
     * again in the background on their next use), for the workload that runs writers across several intervals.
     */
    void restartRevalidatingAfter(Duration interval) throws Exception {
        waitBucket();
        stopPlane();
        revalidateAfter = interval;
        startPlane();
    }

    /** The serving data plane's heap in use after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}). */
    HeapInfo heapAfterGc() throws Exception {
        long pid = serving.daemon().process.pid(); // ./regatta execs the JVM
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

    /** A metrics endpoint's text: all series, or only those named ({@code name[]=}, as Prometheus asks). */
    private String scrape(URI metrics, List<String> only) throws IOException, InterruptedException {
        URI uri = only.isEmpty() ? metrics : URI.create(metrics + "?" + String.join("&",
                only.stream().map(n -> "name%5B%5D=" + URLEncoder.encode(n, StandardCharsets.UTF_8)).toList()));
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The serving data plane's metrics now: each sample line (name with labels) to its value. */
    Map<String, Double> metrics() throws IOException, InterruptedException {
        return metrics(List.of());
    }

    /**
     * As {@link #metrics()}, of the series named only: the drain below polls every 50 ms, and rendering all 1,100
     * lines each time took 12-24% of the data plane's CPU samples in profiles of whole runs.
     */
    Map<String, Double> metrics(List<String> only) throws IOException, InterruptedException {
        return metrics(serving.metrics(), only);
    }

    /** As {@link #metrics(List)}, of the data plane whose metrics endpoint this is. */
    Map<String, Double> metrics(URI endpoint, List<String> only) throws IOException, InterruptedException {
        String body = scrape(endpoint, only);
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

    /** The serving data plane's NFSv3 service times so far (its {@code nfs_requests} histogram). */
    @Override
    public ServiceTimes serviceTimes() throws IOException, InterruptedException {
        String body = scrape(serving.metrics(), List.of());
        scrapeBytes = body.length();
        scrapeLines = body.split("\n").length;
        return ServiceTimes.parse(body, "nfs_requests_seconds");
    }
}
