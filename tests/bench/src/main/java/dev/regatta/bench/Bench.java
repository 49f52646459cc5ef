package dev.regatta.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the same workloads against the raw local disk, Regatta (NFSv3; one data plane, and a replication group of
 * three), nfs-ganesha (NFSv3 over the disk, the protocol's
 * reference), s3fs and rclone (full VFS cache), counts each system's S3 requests at the endpoint, reads the NFS
 * servers' service times per procedure from their histograms, and prints a table, CSVs and a chart. Numbers only:
 * nothing is asserted.
 */
public final class Bench {
    static final int THREADS = 16;
    static final List<String> SYSTEMS = List.of("disk", "regatta", "regatta-3", "ganesha", "s3fs", "rclone");
    /** The most procedures shown per phase in the table and results.csv (service-times.csv has them all). */
    static final int MAIN_PROCEDURES = 3;

    record Row(String workload, String phase, String system, double clientS, double bucketS, double amount,
               String unit, Map<String, Long> s3, String error) {
        double rate() {
            return clientS > 0 ? amount / clientS : Double.NaN;
        }
    }

    interface Body {
        void run() throws Exception;
    }

    interface IntTask {
        void run(int i) throws Exception;
    }

    // sizes
    long seqBytes = 1L << 30;
    int smallFiles = 2000;
    int smallSize = 4096;
    long randFile = 256L << 20;
    int randWrites = 2000;
    int tarDirs = 50;
    int tarPerDir = 100;
    int renameFiles = 1000;
    int listingObjects = 20_000;
    /** Workload 7: entries in the tree each system walks (the goal is about 1,000,000: --entries). */
    int treeEntries = 20_000;
    /** Workload 8: objects in the directory the writers write into (the issue's: 100,000, --wide-entries). */
    int wideEntries = 10_000;
    int writersSeconds = 30;

    Path repo;
    Path out;
    Path work = Path.of("/tmp/regatta-bench");
    Path logs;
    Path treeTemplate;
    Path wideTemplate;
    List<String> systems = SYSTEMS;
    /** The workloads to run, by number ("0" .. "8"); null: all. */
    List<String> workloads;
    final List<Row> rows = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    final StringBuilder details = new StringBuilder();
    final List<String> mismatches = new ArrayList<>();
    final List<String> lateNotes = new ArrayList<>();
    /** Each phase's NFS service times per procedure, by {@link #key(Row)}, for the systems that publish them. */
    final Map<String, ServiceTimes> serviceTimes = new HashMap<>();
    /** A line under a phase's row in the table (and its results.csv note), by {@link #key(Row)}. */
    final Map<String, String> rowNotes = new HashMap<>();
    /** S3 silent this long = the phase's requests are over (longer than the 1 s write-back delays used here). */
    static final long QUIET_NANOS = 2_500_000_000L;
    CountingProxy proxy;
    static volatile String dropNote;

    public static void main(String[] args) throws Exception {
        Bench b = new Bench();
        boolean quick = false;
        Integer entries = null;
        Integer wide = null;
        Integer seconds = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--repo" -> b.repo = Path.of(args[++i]).toAbsolutePath();
                case "--out" -> b.out = Path.of(args[++i]).toAbsolutePath();
                case "--work" -> b.work = Path.of(args[++i]).toAbsolutePath();
                case "--systems" -> b.systems = List.of(args[++i].split(","));
                case "--workloads" -> b.workloads = List.of(args[++i].split(","));
                case "--entries" -> entries = count(args, ++i);
                case "--wide-entries" -> wide = count(args, ++i);
                case "--writers-seconds" -> seconds = count(args, ++i);
                default -> {
                    System.err.println("usage: run [--quick] [--systems " + String.join(",", SYSTEMS) + "] [--work DIR]"
                            + " [--workloads 0,1,...,8] [--entries N] [--wide-entries N] [--writers-seconds N]");
                    System.exit(2);
                }
            }
        }
        if (quick) {
            b.seqBytes = 64L << 20;
            b.smallFiles = 200;
            b.randFile = 32L << 20;
            b.randWrites = 200;
            b.tarDirs = 5;
            b.renameFiles = 100;
            b.listingObjects = 1000;
            b.treeEntries = 5000;
            b.wideEntries = 2000;
            b.writersSeconds = 12;
        }
        b.treeEntries = entries != null ? entries : b.treeEntries;
        b.wideEntries = wide != null ? wide : b.wideEntries;
        b.writersSeconds = seconds != null ? seconds : b.writersSeconds;
        if (b.repo == null || b.out == null) {
            System.err.println("--repo and --out are required");
            System.exit(2);
        }
        System.exit(b.runAll());
    }

    private static int count(String[] args, int i) {
        try {
            int n = Integer.parseInt(args[i].replace("_", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // below
        }
        System.err.println(args[i - 1] + " wants a positive whole number"
                + (i < args.length ? ", not '" + args[i] + "'" : ""));
        System.exit(2);
        return 0;
    }

    int runAll() throws Exception {
        logs = out.resolve("logs");
        deleteTree(logs);
        Files.createDirectories(logs);
        unmountStale();
        Files.createDirectories(work);
        System.out.printf("regatta bench: sizes seq %d MiB, %d x %d B files, %d x 4 KiB random writes into %d MiB, "
                        + "untar %d files, rename dir of %d; listing of %d, tree walk of %d entries, %d writers for %d s in a "
                + "directory of %d; %d requests in flight; work dir %s%n",
                seqBytes >> 20, smallFiles, smallSize, randWrites, randFile >> 20, tarDirs * tarPerDir, renameFiles,
                listingObjects, treeEntries, THREADS, writersSeconds, wideEntries, THREADS, work);
        long started = System.nanoTime();
        Path srcSeq = source("src-seq.bin", seqBytes, 1);
        Path srcRand = source("src-rand.bin", randFile, 2);
        byte[] tar = Tar.build(tarDirs, tarPerDir);
        Files.write(work.resolve("tree.tar"), tar);
        List<Tar.Entry> entries = Tar.read(tar);
        long s0 = System.nanoTime();
        treeTemplate = work.resolve("seed-tree-" + treeEntries);
        wideTemplate = work.resolve("seed-wide-" + wideEntries);
        if (workloads == null || workloads.contains("7")) {
            Seeder.template(this, treeTemplate, treeEntries, TreeWalk.PER_DIR);
        }
        if (workloads == null || workloads.contains("8")) {
            Seeder.template(this, wideTemplate, wideEntries, wideEntries);
        }
        System.out.printf("seeded the templates of the tree (%d) and of the big directory (%d) in %.1f s%n",
                treeEntries, wideEntries, (System.nanoTime() - s0) / 1e9);
        proxy = new CountingProxy();
        try {
            if (systems.contains("regatta") || systems.contains("regatta-3") || systems.contains("ganesha")) {
                try {
                    ClientWarmUp.run(this, repo, work, logs, proxy);
                } catch (Exception e) {
                    System.out.println("could not warm the NFS client (the first system it drives pays its JIT): " + e);
                }
            }
            for (String s : systems) {
                Target t = switch (s) {
                    case "disk" -> new PosixTarget(PosixTarget.Kind.DISK, repo, work, logs, proxy);
                    case "s3fs" -> new PosixTarget(PosixTarget.Kind.S3FS, repo, work, logs, proxy);
                    case "rclone" -> new PosixTarget(PosixTarget.Kind.RCLONE, repo, work, logs, proxy);
                    case "regatta" -> new RegattaTarget(repo, work, logs, proxy);
                    case "regatta-3" -> new RegattaGroupTarget(repo, work, logs, proxy);
                    case "ganesha" -> new GaneshaTarget(work, logs);
                    default -> throw new IllegalArgumentException("unknown system " + s);
                };
                runSystem(t, srcSeq, srcRand, entries, tar.length);
            }
        } finally {
            proxy.close();
            for (Path template : List.of(treeTemplate, wideTemplate)) {
                deleteTree(template); // a million files: not kept between runs
                Files.deleteIfExists(template.resolveSibling(template.getFileName() + ".done"));
            }
        }
        report();
        System.out.printf("the whole run took %.1f min%n", (System.nanoTime() - started) / 60e9);
        if (!failures.isEmpty()) {
            System.out.println();
            System.out.println("COULD NOT RUN:");
            failures.forEach(f -> System.out.println("  " + f));
            return 1;
        }
        return 0;
    }

    private void runSystem(Target t, Path srcSeq, Path srcRand, List<Tar.Entry> entries, long tarBytes) {
        System.out.printf("%n== %s%n", t.name());
        try {
            t.start();
        } catch (Exception e) {
            failures.add(t.name() + ": could not start: " + e.getMessage());
            System.out.println("  could not start: " + e.getMessage());
            t.stop();
            return;
        }
        try {
            workload(t, Listings.WORKLOAD, () -> Listings.run(this, t, listingObjects)); // first: nothing listed yet
            workload(t, "1 seq write", () -> {
                phase(t, "1 seq write", "write " + (seqBytes >> 20) + " MiB + fsync", seqBytes / 1048576.0, "MiB/s",
                        () -> t.writeStream(srcSeq, "seq.bin"));
            });
            workload(t, "2 seq read", () -> {
                t.goCold();
                phase(t, "2 seq read", "read cold", seqBytes / 1048576.0, "MiB/s", () -> check(t.readStream("seq.bin"), seqBytes));
                phase(t, "2 seq read", "read warm", seqBytes / 1048576.0, "MiB/s", () -> check(t.readStream("seq.bin"), seqBytes));
            });
            workload(t, "3 small files", () -> {
                t.mkdir("small");
                t.waitBucket();
                String w = "3 small files";
                phase(t, w, "create " + smallFiles + " x 4 KiB", smallFiles, "files/s",
                        () -> parallel(smallFiles, i -> t.writeSmall(small(i), smallData(i))));
                bucketCheck(t, "small", smallFiles);
                phase(t, w, "ls -l " + smallFiles, smallFiles, "files/s", () -> check(t.listStat("small"), smallFiles));
                phase(t, w, "read " + smallFiles, smallFiles, "files/s",
                        () -> parallel(smallFiles, i -> check(t.readSmall(small(i)), smallSize)));
                phase(t, w, "delete " + smallFiles, smallFiles, "files/s", () -> parallel(smallFiles, i -> t.delete(small(i))));
                bucketCheck(t, "small", 0);
            });
            workload(t, "4 random writes", () -> {
                t.writeStream(srcRand, "rand.bin");
                t.waitBucket();
                long[] offsets = new long[randWrites];
                SplittableRandom r = new SplittableRandom(42);
                for (int i = 0; i < randWrites; i++) {
                    offsets[i] = r.nextLong(randFile / 4096) * 4096;
                }
                byte[] block = new byte[4096];
                new SplittableRandom(43).nextBytes(block);
                phase(t, "4 random writes", randWrites + " x 4 KiB in " + (randFile >> 20) + " MiB + fsync", randWrites,
                        "writes/s", () -> t.randomWrites("rand.bin", offsets, block, THREADS));
            });
            workload(t, "5 untar", () -> {
                t.mkdir("untar");
                t.waitBucket();
                List<Tar.Entry> files = entries.stream().filter(e -> !e.dir()).toList();
                phase(t, "5 untar", "untar " + files.size() + " files (" + (tarBytes >> 20) + " MiB)", files.size(), "files/s", () -> {
                    for (Tar.Entry e : entries) {
                        if (e.dir()) {
                            t.mkdir("untar/" + e.name());
                        }
                    }
                    parallel(files.size(), i -> t.writeSmall("untar/" + files.get(i).name(), files.get(i).data()));
                });
            });
            workload(t, "6 rename dir", () -> {
                t.mkdir("ren-a");
                byte[] data = new byte[1024];
                parallel(renameFiles, i -> t.writeSmall(String.format("ren-a/f%05d", i), data));
                t.waitBucket();
                phase(t, "6 rename dir", "rename dir of " + renameFiles, 1, "renames/s", () -> t.rename("ren-a", "ren-b"));
                check(t.listStat("ren-b"), renameFiles);
                bucketCheck(t, "ren-b", renameFiles);
                bucketCheck(t, "ren-a", 0);
            });
            // the scale workloads last, each on a system started cold: their seeded objects and what the system does
            // with them (a HEAD each, background listings) stay out of the other workloads
            workload(t, TreeWalk.WORKLOAD, () -> TreeWalk.run(this, t, treeTemplate, treeEntries));
            workload(t, BusyDirectory.WORKLOAD, () -> BusyDirectory.run(this, t, wideTemplate, wideEntries, writersSeconds));
        } finally {
            t.stop(); // before its notes: stopping can add some (a failed unmount, ports still bound)
            String n = t.notes();
            if (!n.isBlank()) {
                details.append("== ").append(t.name()).append(" notes\n").append(n);
            }
            try {
                deleteTree(work.resolve(t.name()));
            } catch (IOException e) {
                System.out.println("  could not clean " + work.resolve(t.name()) + ": " + e.getMessage());
            }
        }
    }

    /**
     * After a phase's write-back: does the bucket (the endpoint's directory, one file per object) hold what the file
     * system shows? A mismatch is a correctness finding, reported (not a timing).
     */
    void bucketCheck(Target t, String prefix, int want) throws IOException {
        Path dir = t.bucketDir();
        if (dir == null) {
            return;
        }
        Path p = dir.resolve(prefix);
        long got = 0;
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                got = s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).count();
            }
        }
        String line = String.format("%s: bucket holds %d objects under %s/ after write-back (file system shows %d)",
                t.name(), got, prefix, want);
        details.append(line).append('\n');
        if (got != want) {
            System.out.println("  MISMATCH " + line);
            mismatches.add(line);
        }
    }

    private String small(int i) {
        return String.format("small/f%05d", i);
    }

    private byte[] smallData(int i) {
        byte[] d = new byte[smallSize];
        new SplittableRandom(i).nextBytes(d);
        return d;
    }

    private static void check(long got, long want) throws IOException {
        if (got >= 0 && got != want) {
            throw new IOException("expected " + want + ", got " + got);
        }
    }

    private void workload(Target t, String name, Body body) {
        if (workloads != null && !workloads.contains(name.substring(0, name.indexOf(' ')))) {
            return;
        }
        try {
            body.run();
        } catch (Exception e) {
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            failures.add(t.name() + " / " + name + ": " + msg);
            System.out.println("  FAILED " + name + ": " + msg);
            rows.add(new Row(name, "(failed)", t.name(), Double.NaN, Double.NaN, 0, "", Map.of(), msg));
            settle(t);
        }
    }

    Row phase(Target t, String workload, String phase, double amount, String unit, Body body) throws Exception {
        return phase(t, workload, phase, () -> amount, unit, body);
    }

    /** A line to print under the row in the table (and in results.csv's note column). */
    void note(Row row, String line) {
        rowNotes.merge(key(row), line, (a, b) -> a + "; " + b);
        System.out.printf("  %-34s %s%n", "", line);
        details.append(row.system()).append(" | ").append(row.workload()).append(" | ").append(row.phase()).append(": ")
                .append(line).append('\n');
    }

    /**
     * After a failed workload, lets what it started finish (uploads, queued HEADs, S3 traffic) so that the next one is
     * not charged with it; best effort, as the system may be what failed.
     */
    private void settle(Target t) {
        try {
            t.waitBucket();
            if (t.usesS3()) {
                awaitQuiet();
            }
        } catch (Exception e) {
            System.out.println("  (after the failure, the system did not settle: " + e.getMessage() + ")");
        }
    }

    /** Returns once S3 has been silent for {@link #QUIET_NANOS} (what a phase waits for at its end). */
    void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + 900_000_000_000L;
        while (proxy.nanosSinceLastRequest() < QUIET_NANOS && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** A phase whose amount is known only once it ran (e.g. files made in a fixed time). */
    Row phase(Target t, String workload, String phase, java.util.function.DoubleSupplier amount, String unit, Body body)
            throws Exception {
        Map<String, Long> before = proxy.snapshot();
        Map<String, Long> otherBefore = proxy.otherSnapshot();
        ServiceTimes timesBefore = t.serviceTimes();
        long t0 = System.nanoTime();
        body.run();
        long t1 = System.nanoTime();
        t.waitBucket();
        long t2 = System.nanoTime();
        Map<String, Long> s3 = Map.of();
        if (t.usesS3()) {
            // The system says it is done (returned, or nothing pending); S3 must also have gone quiet, so that
            // requests still on their way are counted in this phase and the bucket time covers them.
            Map<String, Long> atDrain = proxy.snapshot();
            awaitQuiet();
            t2 = Math.max(t2, Math.min(proxy.lastActivityNanos(), System.nanoTime()));
            Map<String, Long> end = proxy.snapshot();
            s3 = CountingProxy.diff(end, before);
            Map<String, Long> late = CountingProxy.diff(end, atDrain);
            long lateTotal = late.values().stream().mapToLong(Long::longValue).sum();
            if (lateTotal > 0 && t instanceof RegattaTarget) {
                String line = String.format("%s | %s | %s: %s S3 requests came after the data plane reported nothing pending "
                        + "(" + String.join(" = ", RegattaTarget.PENDING) + " = 0); bucket time extended to the last one", t.name(),
                        workload, phase, s3Summary(late));
                details.append(line).append('\n');
                System.out.println("  note: " + s3Summary(late) + " S3 requests after the data plane reported nothing pending");
                lateNotes.add(line);
            }
        }
        Row row = new Row(workload, phase, t.name(), (t1 - t0) / 1e9, (t2 - t0) / 1e9, amount.getAsDouble(), unit, s3, null);
        rows.add(row);
        System.out.printf("  %-34s %9.3f s  to bucket %9.3f s  %12s  S3 %s%n", phase, row.clientS(), row.bucketS(),
                rate(row), s3Summary(s3));
        details.append(String.format("%s | %s | %s: S3 other %s%n", t.name(), workload, phase,
                CountingProxy.diff(proxy.otherSnapshot(), otherBefore).entrySet().stream()
                        .filter(e -> e.getValue() > 0).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))));
        if (timesBefore != null) {
            ServiceTimes times = t.serviceTimes().minus(timesBefore);
            serviceTimes.put(key(row), times);
            details.append(String.format("%s | %s | %s: NFS service times at the server (%d calls; dispatched to answered, "
                    + "per procedure; a status other than ok after the slash)%n", t.name(), workload, phase, times.total()));
            details.append(times.table("    "));
            String main = times.summary(MAIN_PROCEDURES);
            if (!main.isEmpty()) {
                System.out.printf("  %-34s NFS p50/p99 %s%n", "", main);
            }
        }
        return row;
    }

    static String rate(Row r) {
        if (r.error() != null || Double.isNaN(r.clientS())) {
            return "-";
        }
        double v = r.rate();
        return (v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v)) + " " + r.unit();
    }

    static final Map<String, String> SHORT = new LinkedHashMap<>();

    static {
        SHORT.put("ListObjectsV2", "List");
        SHORT.put("ListObjects", "ListV1");
        SHORT.put("HeadObject", "Head");
        SHORT.put("GetObject", "Get");
        SHORT.put("PutObject", "Put");
        SHORT.put("CopyObject", "Copy");
        SHORT.put("CreateMultipartUpload", "MPU");
        SHORT.put("UploadPart", "Part");
        SHORT.put("UploadPartCopy", "PartCopy");
        SHORT.put("CompleteMultipartUpload", "MPUDone");
        SHORT.put("DeleteObject", "Del");
        SHORT.put("DeleteObjects", "DelMulti");
        SHORT.put("other", "other");
    }

    static String s3Summary(Map<String, Long> s3) {
        if (s3.isEmpty()) {
            return "-";
        }
        long total = s3.values().stream().mapToLong(Long::longValue).sum();
        String parts = s3.entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> SHORT.get(e.getKey()) + "=" + e.getValue()).collect(Collectors.joining(" "));
        return total + (parts.isEmpty() ? "" : " (" + parts + ")");
    }

    /** Runs task(0..n-1) on {@link #THREADS} threads; the first failure stops them and is thrown. */
    void parallel(int n, IntTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicInteger next = new AtomicInteger();
        try {
            // a worker per thread taking the next index, not a task per index: the scale workloads make a million
            List<Future<?>> fs = new ArrayList<>(THREADS);
            for (int w = 0; w < Math.min(THREADS, n); w++) {
                fs.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    next.set(n);
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ report

    static String key(Row r) {
        return r.workload() + '\0' + r.phase() + '\0' + r.system();
    }

    private Row find(String workload, String phase, String system) {
        for (Row r : rows) {
            if (r.workload().equals(workload) && r.phase().equals(phase) && r.system().equals(system) && r.error() == null) {
                return r;
            }
        }
        return null;
    }

    /**
     * This system's client time over the other's, per unit of the phase's amount: the time itself where both did the
     * same (every phase but the writers', which run for a time and make what they can).
     */
    private double ratio(Row r, String other) {
        Row o = find(r.workload(), r.phase(), other);
        if (o == null || r.error() != null || o.clientS() <= 0 || r.amount() <= 0 || o.amount() <= 0) {
            return Double.NaN;
        }
        return (r.clientS() / r.amount()) / (o.clientS() / o.amount());
    }

    private static String x(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v >= 100 ? String.format("%.0fx", v) : v >= 10 ? String.format("%.1fx", v) : String.format("%.2fx", v);
    }

    private List<String[]> phases() {
        List<String[]> ps = new ArrayList<>();
        for (Row r : rows) {
            if (r.error() == null && ps.stream().noneMatch(p -> p[0].equals(r.workload()) && p[1].equals(r.phase()))) {
                ps.add(new String[] {r.workload(), r.phase()});
            }
        }
        // in workload order ("0 listings" first), whichever system ran a workload first (the disk runs no listing)
        ps.sort(Comparator.comparing(p -> p[0]));
        return ps;
    }

    void report() throws IOException {
        List<Row> sorted = new ArrayList<>(rows);
        List<String[]> ps = phases();
        sorted.sort(Comparator.<Row>comparingInt(r -> {
            for (int i = 0; i < ps.size(); i++) {
                if (ps.get(i)[0].equals(r.workload()) && ps.get(i)[1].equals(r.phase())) {
                    return i;
                }
            }
            return ps.size();
        }).thenComparingInt(r -> SYSTEMS.indexOf(r.system())));
        PrintStream o = System.out;
        o.println();
        o.println("Times are client-visible (the call returned); 'bucket' is until S3 holds the result (same as client");
        o.println("for disk and ganesha, which have no bucket, and s3fs, which uploads before returning). Ratios: client time");
        o.println("of this system / the other's.");
        o.println("S3: requests at the endpoint during the phase, write-back included;");
        o.println("a phase ends when the system reports done AND S3 has been silent " + QUIET_NANOS / 1_000_000 + " ms (bucket time = last S3 byte).");
        o.println("ganesha (FSAL VFS over the disk, no S3) is the NFS protocol's reference on this machine, not a peer: it does not");
        o.println("sync namespace changes (CREATE, REMOVE, RENAME), where Regatta's stable replies are durable.");
        o.println("'NFS p50/p99' under a row: the server's service time per call (dispatched to answered, from its histograms) for");
        o.println("the phase's main procedures, at most " + MAIN_PROCEDURES + " (all of them in details.txt and service-times.csv).");
        String fmt = "%-36s %-9s %9s %9s %15s %8s %8s %8s %9s %9s  %s%n";
        o.printf(fmt, "phase", "system", "client s", "bucket s", "rate", "x disk", "x s3fs", "x rclone", "x regatta",
                "x ganesha", "S3 requests");
        o.println("-".repeat(161));
        String last = null;
        for (Row r : sorted) {
            if (last != null && !last.equals(r.workload())) {
                o.println();
            }
            last = r.workload();
            if (r.error() != null) {
                o.printf("%-36s %-9s FAILED: %s%n", r.workload(), r.system(), r.error());
                continue;
            }
            o.printf(fmt, r.phase(), r.system(), String.format("%.3f", r.clientS()), String.format("%.3f", r.bucketS()),
                    rate(r), x(ratio(r, "disk")), x(ratio(r, "s3fs")), x(ratio(r, "rclone")), x(ratio(r, "regatta")),
                    x(ratio(r, "ganesha")), s3Summary(r.s3()));
            ServiceTimes times = serviceTimes.get(key(r));
            if (times != null && !times.summary(MAIN_PROCEDURES).isEmpty()) {
                o.printf("%-36s %-9s NFS p50/p99 %s%n", "", "", times.summary(MAIN_PROCEDURES));
            }
            String note = rowNotes.get(key(r));
            if (note != null) {
                o.printf("%-36s %-9s %s%n", "", "", note);
            }
        }
        if (dropNote != null) {
            o.println("note: " + dropNote);
        }
        for (String m : lateNotes) {
            o.println("LATE S3 REQUESTS: " + m);
        }
        for (String m : mismatches) {
            o.println("BUCKET MISMATCH: " + m);
        }
        String replicas = replicaComparison(ps);
        if (!replicas.isEmpty()) {
            o.println();
            o.print(replicas);
            details.append(replicas);
        }
        writeCsv(sorted);
        writeServiceTimesCsv(sorted);
        Files.writeString(out.resolve("details.txt"), details.toString());
        chart(ps);
        o.println();
        o.println("wrote " + out.resolve("results.csv") + ", " + out.resolve("results.png") + ", "
                + out.resolve("details.txt") + " (logs in " + logs + ")");
    }

    /**
     * Issue 17's comparison of the durable procedures' p50 on regatta-3 and regatta, per phase both ran; empty unless
     * both did.
     */
    private String replicaComparison(List<String[]> ps) {
        List<ReplicaComparison.Phase> both = new ArrayList<>();
        for (String[] p : ps) {
            Row single = find(p[0], p[1], ReplicaComparison.SINGLE);
            Row group = find(p[0], p[1], ReplicaComparison.GROUP);
            ServiceTimes s = single == null ? null : serviceTimes.get(key(single));
            ServiceTimes g = group == null ? null : serviceTimes.get(key(group));
            if (s != null && g != null) {
                both.add(new ReplicaComparison.Phase(p[1], s, g));
            }
        }
        boolean ran = rows.stream().anyMatch(r -> r.system().equals(ReplicaComparison.SINGLE))
                && rows.stream().anyMatch(r -> r.system().equals(ReplicaComparison.GROUP));
        return ran ? ReplicaComparison.report(both) : "";
    }

    private void writeCsv(List<Row> sorted) throws IOException {
        StringBuilder sb = new StringBuilder("workload,phase,system,client_s,bucket_s,amount,unit,rate,ratio_disk,ratio_s3fs,ratio_rclone,ratio_regatta,ratio_ganesha,s3_total");
        for (String t : CountingProxy.TYPES) {
            sb.append(",s3_").append(t);
        }
        for (int i = 1; i <= MAIN_PROCEDURES; i++) {
            sb.append(",nfs").append(i).append(",nfs").append(i).append("_calls,nfs").append(i).append("_p50_us,nfs")
                    .append(i).append("_p99_us");
        }
        sb.append(",note,error\n");
        for (Row r : sorted) {
            sb.append(csv(r.workload())).append(',').append(csv(r.phase())).append(',').append(r.system()).append(',')
                    .append(num(r.clientS())).append(',').append(num(r.bucketS())).append(',').append(num(r.amount()))
                    .append(',').append(r.unit()).append(',').append(num(r.rate())).append(',')
                    .append(num(ratio(r, "disk"))).append(',').append(num(ratio(r, "s3fs"))).append(',')
                    .append(num(ratio(r, "rclone"))).append(',').append(num(ratio(r, "regatta"))).append(',')
                    .append(num(ratio(r, "ganesha"))).append(',');
            sb.append(r.s3().isEmpty() ? "" : String.valueOf(r.s3().values().stream().mapToLong(Long::longValue).sum()));
            for (String t : CountingProxy.TYPES) {
                sb.append(',').append(r.s3().isEmpty() ? "" : String.valueOf(r.s3().getOrDefault(t, 0L)));
            }
            ServiceTimes times = serviceTimes.get(key(r));
            List<String> main = times == null ? List.of() : times.dominant(MAIN_PROCEDURES);
            for (int i = 0; i < MAIN_PROCEDURES; i++) {
                if (i < main.size()) {
                    ServiceTimes.Procedure p = times.procedures.get(main.get(i));
                    sb.append(',').append(main.get(i).toUpperCase(Locale.ROOT)).append(',').append(p.count()).append(',')
                            .append(micros(p.quantile(0.5), p)).append(',').append(micros(p.quantile(0.99), p));
                } else {
                    sb.append(",,,,");
                }
            }
            String note = rowNotes.get(key(r));
            sb.append(',').append(note == null ? "" : csv(note));
            sb.append(',').append(r.error() == null ? "" : csv(r.error())).append('\n');
        }
        Files.writeString(out.resolve("results.csv"), sb.toString());
    }

    /** Every procedure of every phase of the systems with service times: one row each. */
    private void writeServiceTimesCsv(List<Row> sorted) throws IOException {
        StringBuilder sb = new StringBuilder("workload,phase,system,procedure,status,calls,mean_us,p50_us,p99_us\n");
        for (Row r : sorted) {
            ServiceTimes times = serviceTimes.get(key(r));
            if (times == null) {
                continue;
            }
            for (Map.Entry<String, ServiceTimes.Procedure> e : times.procedures.entrySet()) {
                String[] ps = e.getKey().split("/", 2);
                ServiceTimes.Procedure p = e.getValue();
                sb.append(csv(r.workload())).append(',').append(csv(r.phase())).append(',').append(r.system()).append(',')
                        .append(ps[0].toUpperCase(Locale.ROOT)).append(',').append(ps.length > 1 ? ps[1] : "ok").append(',')
                        .append(p.count()).append(',').append(micros(p.mean(), p)).append(',')
                        .append(micros(p.quantile(0.5), p)).append(',').append(micros(p.quantile(0.99), p)).append('\n');
            }
        }
        Files.writeString(out.resolve("service-times.csv"), sb.toString());
    }

    /** Microseconds for the CSVs; past the last bucket, ">" and that bound. */
    private static String micros(double seconds, ServiceTimes.Procedure p) {
        if (Double.isInfinite(seconds)) {
            return ">" + num(p.lastFiniteBound() * 1e6);
        }
        return num(seconds * 1e6);
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String csv(String s) {
        return "\"" + s.replace("\"", "\"\"").replace("\n", " ") + "\"";
    }

    private void chart(List<String[]> ps) throws IOException {
        // the systems that ran, so that no cluster keeps an empty slot
        List<String> ran = SYSTEMS.stream().filter(s -> rows.stream().anyMatch(r -> r.system().equals(s))).toList();
        StringBuilder dat = new StringBuilder("phase");
        for (String s : ran) {
            dat.append('\t').append(s);
        }
        dat.append('\n');
        for (String[] p : ps) {
            dat.append('"').append(p[1]).append('"');
            for (String s : ran) {
                Row r = find(p[0], p[1], s);
                dat.append('\t').append(r == null ? "?" : String.format(Locale.ROOT, "%.4f", Math.max(r.clientS(), 1e-4)));
            }
            dat.append('\n');
        }
        Path datFile = out.resolve("results.dat");
        Files.writeString(datFile, dat.toString());
        StringBuilder plot = new StringBuilder("plot '" + datFile + "' using 2:xtic(1) title columnheader(2)");
        for (int i = 3; i <= ran.size() + 1; i++) {
            plot.append(", '' using ").append(i).append(" title columnheader(").append(i).append(')');
        }
        Path serviceFile = out.resolve("service-times.dat");
        int serviceColumns = serviceChartData(ps, serviceFile);
        List<String> gp = new ArrayList<>(List.of(
                "set terminal pngcairo size 1600," + (serviceColumns > 0 ? 1600 : 800) + " font ',10'",
                "set output '" + out.resolve("results.png") + "'",
                serviceColumns > 0 ? "set multiplot layout 2,1" : "",
                "set title 'Regatta vs nfs-ganesha (NFS reference, not durable) vs s3fs vs rclone (full cache) vs local disk: "
                        + "client-visible time per phase (log scale, lower is better)'",
                "set datafile missing '?'",
                "set style data histogram",
                "set style histogram cluster gap 1",
                "set style fill solid 0.85 border -1",
                "set boxwidth 0.9",
                "set logscale y",
                "set ylabel 'seconds'",
                "set grid ytics",
                "set xtics rotate by -25 scale 0",
                "set key top left",
                "set bmargin 8",
                plot.toString()));
        if (serviceColumns > 0) {
            StringBuilder plot2 = new StringBuilder("plot '" + serviceFile + "' using 2:xtic(1) title columnheader(2)");
            for (int i = 3; i <= serviceColumns + 1; i++) {
                plot2.append(", '' using ").append(i).append(" title columnheader(").append(i).append(')');
            }
            gp.addAll(List.of(
                    "set title 'NFS service time per call at the server, p50 and p99 of each phase''s main procedures "
                            + "(log scale; the issue''s goals: cached p50 < 100 us, p99 < 1 ms; WRITE p50 < 200 us; "
                            + "durable p50 < 1 ms)'",
                    "set ylabel 'microseconds'",
                    "set yrange [10:*]",
                    "set rmargin 12",
                    "set arrow 1 from graph 0, first 100 to graph 1, first 100 nohead dt 2 lw 1.5 lc rgb '#c00000' front",
                    "set arrow 2 from graph 0, first 200 to graph 1, first 200 nohead dt 3 lw 1.5 lc rgb '#c00000' front",
                    "set arrow 3 from graph 0, first 1000 to graph 1, first 1000 nohead dt 2 lw 1.5 lc rgb '#c00000' front",
                    "set label 1 '100 us' at graph 1, first 100 right offset -0.5,0.6 tc rgb '#c00000' front",
                    "set label 2 '200 us' at graph 1, first 200 right offset -0.5,0.6 tc rgb '#c00000' front",
                    "set label 3 '1 ms' at graph 1, first 1000 right offset -0.5,0.6 tc rgb '#c00000' front",
                    plot2.toString(),
                    "unset multiplot"));
        }
        gp.add("");
        Path gpFile = out.resolve("results.gp");
        Files.writeString(gpFile, String.join("\n", gp));
        if (!onPath("gnuplot")) {
            failures.add("chart: gnuplot is not installed");
            return;
        }
        try {
            Proc.run(logs.resolve("gnuplot.log"), 60, "gnuplot", gpFile.toString());
        } catch (IOException | InterruptedException e) {
            failures.add("chart: gnuplot failed: " + e.getMessage());
        }
    }

    /**
     * The chart's second panel: a row per phase and main procedure, p50 and p99 in microseconds for each system
     * with service times. Returns the number of value columns (0: nothing to plot).
     */
    private int serviceChartData(List<String[]> ps, Path file) throws IOException {
        List<String> systems = SYSTEMS.stream()
                .filter(s -> rows.stream().anyMatch(r -> r.system().equals(s) && serviceTimes.containsKey(key(r))))
                .toList();
        if (systems.isEmpty()) {
            return 0;
        }
        StringBuilder dat = new StringBuilder("\"phase: procedure\"");
        for (String s : systems) {
            dat.append("\t\"").append(s).append(" p50\"\t\"").append(s).append(" p99\"");
        }
        dat.append('\n');
        for (String[] p : ps) {
            List<String> procs = new ArrayList<>();
            for (String s : systems) {
                Row r = find(p[0], p[1], s);
                ServiceTimes t = r == null ? null : serviceTimes.get(key(r));
                if (t != null) {
                    t.dominant(MAIN_PROCEDURES).stream().filter(x -> !procs.contains(x)).forEach(procs::add);
                }
            }
            for (String proc : procs) {
                dat.append('"').append(p[1]).append(": ").append(proc.toUpperCase(Locale.ROOT)).append('"');
                for (String s : systems) {
                    Row r = find(p[0], p[1], s);
                    ServiceTimes t = r == null ? null : serviceTimes.get(key(r));
                    ServiceTimes.Procedure q = t == null ? null : t.procedures.get(proc);
                    for (double quantile : new double[] {0.5, 0.99}) {
                        double v = q == null ? Double.NaN : q.quantile(quantile);
                        if (Double.isInfinite(v)) {
                            v = q.lastFiniteBound();
                        }
                        dat.append('\t').append(Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.1f", Math.max(v * 1e6, 1)));
                    }
                }
                dat.append('\n');
            }
        }
        Files.writeString(file, dat.toString());
        return systems.size() * 2;
    }

    // ------------------------------------------------------------------ helpers

    private Path source(String name, long size, long seed) throws IOException {
        Path p = work.resolve(name);
        if (Files.exists(p) && Files.size(p) == size) {
            return p;
        }
        SplittableRandom r = new SplittableRandom(seed);
        byte[] chunk = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < size; done += chunk.length) {
                r.nextBytes(chunk);
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - done));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        return p;
    }

    private void unmountStale() throws IOException {
        String prefix = work.toString() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].startsWith(prefix)) {
                System.out.println("unmounting a stale mount " + f[4]);
                if (!Proc.tryRun("fusermount3", "-uz", f[4])) {
                    Proc.tryRun("fusermount", "-uz", f[4]);
                }
            }
        }
    }

    static void dropCaches() {
        try {
            Proc.run(null, 120, "sync");
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n", StandardCharsets.US_ASCII);
        } catch (IOException | InterruptedException e) {
            dropNote = "could not drop the kernel page cache (" + e.getMessage() + "): the disk's cold read is warm";
        }
    }

    static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Deletes a tree, never crossing into a mounted file system. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                mounts.add(f[4]);
            }
        }
        String r = root.toAbsolutePath().toString();
        for (String m : mounts) {
            if (m.equals(r) || m.startsWith(r + "/")) {
                throw new IOException("refusing to delete " + root + ": " + m + " is mounted");
            }
        }
        try {
            // rm, not a walk in this JVM: the scale workloads leave a million files
            Proc.run(null, 1800, "rm", "-rf", "--one-file-system", "--", r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted deleting " + root, e);
        }
    }
}
