package dev.regatta.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Workload 7, known entries at scale (issue 16: "the metadata store is the truth and the heap holds a bounded cache of
 * it; one million known entries with the heap after GC under 512 MiB"): a tree of N small objects, 1,000 per
 * directory, appears in the bucket behind the system's back ({@link Seeder}: S3Proxy's filesystem store lists a
 * directory of 1,000 quickly, one of 100,000 takes seconds per page), the system starts cold (Regatta on a fresh data
 * dir, FUSE remounted, page cache dropped) and walks the tree once, as a parallel {@code find -ls} would: the listing
 * with attributes (READDIRPLUS / readdir + lstat) of the root and of every directory, 16 directories at once. Timed
 * with its S3 requests; for Regatta, the data plane's heap after a full GC is then set beside the goal.
 */
final class TreeWalk {
    static final String WORKLOAD = "7 tree walk";
    static final String ROOT = "tree";
    static final int PER_DIR = 1000;
    static final long HEAP_GOAL = 512L << 20;

    private TreeWalk() {
    }

    static void run(Bench bench, Target t, Path template, int entries) throws Exception {
        Path home = t.bucketDir() != null ? t.bucketDir() : t.localDir();
        if (home == null) {
            return;
        }
        long t0 = System.nanoTime();
        Seeder.link(bench, template, home.resolve(ROOT), entries, PER_DIR);
        System.out.printf("  (%d entries linked into place in %.1f s)%n", entries, (System.nanoTime() - t0) / 1e9);
        if (t.bucketDir() != null) {
            checkListed(bench, t, Math.min(entries, PER_DIR));
        }
        t.goCold();
        String heapBefore = "";
        if (t instanceof RegattaTarget regatta) {
            heapBefore = regatta.heapAfterGc().against(HEAP_GOAL);
        }
        int dirs = Seeder.directories(entries, PER_DIR);
        Bench.Row row = bench.phase(t, WORKLOAD, "walk " + entries + " entries in " + dirs + " dirs", entries,
                "entries/s", () -> {
                    int top = t.listStat(ROOT);
                    if (top != dirs) {
                        throw new IOException(ROOT + "/ shows " + top + " entries, not its " + dirs + " directories");
                    }
                    bench.parallel(dirs, d -> {
                        int want = Math.min(PER_DIR, entries - d * PER_DIR);
                        int got = t.listStat(ROOT + "/" + Seeder.dir(d));
                        if (got != want) {
                            throw new IOException(ROOT + "/" + Seeder.dir(d) + " shows " + got + " entries of " + want);
                        }
                    });
                });
        if (t instanceof RegattaTarget regatta) {
            HeapInfo heap = regatta.heapAfterGc();
            String note = "data plane heap after GC at " + entries + " known entries: " + heap.against(HEAP_GOAL)
                    + "; on a fresh data dir before the walk: " + heapBefore;
            bench.note(row, note);
            bench.details.append(t.name()).append(" | ").append(WORKLOAD).append(" | ").append(heap.line()).append('\n');
        }
    }

    /** The first directory as the bench's own S3 client lists it: every seeded key, with its size and MD5 ETag. */
    private static void checkListed(Bench bench, Target t, int want) throws Exception {
        Map<String, String[]> listed = Listings.sizesAndEtags(bench, t, ROOT + "/" + Seeder.dir(0) + "/");
        if (listed.size() != want) {
            throw new IOException("the endpoint lists " + listed.size() + " seeded objects under " + ROOT + "/"
                    + Seeder.dir(0) + "/, not " + want);
        }
        for (int i = 0; i < want; i++) {
            String key = ROOT + "/" + Seeder.entry(i, PER_DIR);
            String[] sizeEtag = listed.get(key);
            byte[] data = Seeder.data(i);
            if (sizeEtag == null || !sizeEtag[0].equals(Integer.toString(data.length))
                    || !sizeEtag[1].equals(Seeder.md5Hex(data))) {
                throw new IOException("the endpoint lists seeded " + key + " as "
                        + (sizeEtag == null ? "missing" : "size " + sizeEtag[0] + ", ETag " + sizeEtag[1])
                        + ", not size " + data.length + ", ETag " + Seeder.md5Hex(data));
            }
        }
    }
}
