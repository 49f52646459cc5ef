package dev.regatta.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 8, writers into a big directory across several revalidation intervals (issue 16: "Revalidation never
 * stalls the directory"): a directory of N objects put by another S3 client ({@link Seeder}), listed once by the
 * system (its first CREATE there, not timed, nor the attribute reads that listing queues), then 16 writers create,
 * write and close (CREATE + WRITE + COMMIT) new 4 KiB files in it for the phase's duration, or until they have made
 * as many files as it held. Regatta runs it on a fresh data plane that lists a directory again in the background once
 * its listing is {@link #REVALIDATE} old, so the phase crosses several intervals. Reported: the files' client-side
 * latency for every system, the server's CREATE p50/p99 for Regatta (under the row, from its histograms), the LIST
 * requests spent (the S3 column; for Regatta also its own count of listing pages and of background listings).
 */
final class BusyDirectory {
    static final String WORKLOAD = "8 writers, big dir";
    static final String ROOT = "wide";
    static final Duration REVALIDATE = Duration.ofSeconds(3);
    private static final int FILE_SIZE = 4096;

    private BusyDirectory() {
    }

    static void run(Bench bench, Target t, Path template, int entries, int seconds) throws Exception {
        Path home = t.bucketDir() != null ? t.bucketDir() : t.localDir();
        if (home == null) {
            return;
        }
        Seeder.link(bench, template, home.resolve(ROOT), entries, entries);
        String dir = ROOT + "/" + Seeder.dir(0);
        if (t instanceof RegattaTarget regatta) {
            regatta.restartRevalidatingAfter(REVALIDATE);
        } else {
            t.goCold();
        }
        byte[] data = new byte[FILE_SIZE];
        long t0 = System.nanoTime();
        t.writeSmall(dir + "/first", data); // the directory's first listing: setup, not timed
        t.waitBucket();
        bench.awaitQuiet();
        System.out.printf("  (first CREATE in the directory of %d, its listing included: %.1f s)%n", entries,
                (System.nanoTime() - t0) / 1e9);
        Map<String, Double> before = t instanceof RegattaTarget regatta ? regatta.metrics() : Map.of();
        Latencies latencies = new Latencies();
        AtomicInteger made = new AtomicInteger();
        Bench.Row row = bench.phase(t, WORKLOAD, Bench.THREADS + " writers, " + seconds + " s, dir of " + entries,
                made::get, "files/s", () -> {
                    long end = System.nanoTime() + seconds * 1_000_000_000L;
                    bench.parallel(Bench.THREADS, w -> {
                        for (int k = 0; System.nanoTime() < end && made.get() < entries; k++) {
                            long s = System.nanoTime();
                            t.writeSmall(dir + "/w" + w + "-" + k, data);
                            latencies.add(System.nanoTime() - s);
                            made.incrementAndGet();
                        }
                    });
                });
        StringBuilder note = new StringBuilder("file create+write+close at the client: " + latencies.summary());
        if (t instanceof RegattaTarget regatta) {
            Map<String, Double> after = regatta.metrics();
            note.append(String.format("; data plane: %d listing pages merged, %d background listings completed "
                            + "(--revalidate-after %ds)",
                    Math.round(counter(after, "import_list_requests_total") - counter(before, "import_list_requests_total")),
                    Math.round(counter(after, "import_listings_total", "kind=\"revalidation\"")
                            - counter(before, "import_listings_total", "kind=\"revalidation\"")),
                    REVALIDATE.toSeconds()));
        }
        bench.note(row, note.toString());
        bench.bucketCheck(t, dir, entries + 1 + made.get());
    }

    /** A counter's value in a scrape: the sum of its series whose labels contain every one given (0 when none). */
    static double counter(Map<String, Double> scrape, String name, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> e : scrape.entrySet()) {
            String k = e.getKey();
            boolean named = k.equals(name) || k.startsWith(name + "{");
            boolean labelled = true;
            for (String l : labels) {
                labelled &= k.contains(l);
            }
            if (named && labelled) {
                sum += e.getValue();
            }
        }
        return sum;
    }
}
