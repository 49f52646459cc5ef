package dev.regatta.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Warms the bench's own NFS client before any system it drives is measured. Regatta and ganesha are driven by the
 * Java NFS client of {@link NfsTarget}, in this JVM: whichever of them ran first used to pay for the client's JIT
 * (the random-write phase against ganesha took 0.96 s run first and 0.21 s run after Regatta, on the same server),
 * so the table compared the servers and, for one of them, the bench's compiler too. The warm-up runs every kind of
 * call the workloads make, many thousand times, against a throwaway Regatta data plane on a bucket of its own,
 * which is stopped and deleted afterwards: the servers measured later start as cold as before.
 */
final class ClientWarmUp {
    private ClientWarmUp() {
    }

    /** Calls of each kind: above the compilers' thresholds, so the client's paths are compiled when measured. */
    private static final int FILES = 1000;
    private static final int ROUNDS = 2;

    static void run(Bench bench, Path repo, Path work, Path logs, CountingProxy proxy) throws Exception {
        Path dir = work.resolve("client-warm-up");
        Path warmLogs = logs.resolve("client-warm-up");
        Files.createDirectories(warmLogs);
        long t0 = System.nanoTime();
        RegattaTarget t = new RegattaTarget(repo, dir, warmLogs, proxy);
        try {
            t.start();
            byte[] data = new byte[4096];
            new SplittableRandom(7).nextBytes(data);
            Path stream = dir.resolve("stream.bin");
            Files.write(stream, new byte[16 << 20]);
            long[] offsets = new long[3000];
            SplittableRandom r = new SplittableRandom(11);
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = r.nextLong(4096) * 4096;
            }
            for (int round = 0; round < ROUNDS; round++) {
                String d = "w" + round;
                t.mkdir(d);
                bench.parallel(FILES, i -> t.writeSmall(d + "/f" + i, data));
                t.listStat(d);
                bench.parallel(FILES, i -> t.readSmall(d + "/f" + i));
                t.writeStream(stream, d + "/stream.bin");
                t.readStream(d + "/stream.bin");
                t.randomWrites(d + "/stream.bin", offsets, data, Bench.THREADS);
                t.rename(d, d + "-renamed");
                bench.parallel(FILES, i -> t.delete(d + "-renamed/f" + i));
            }
        } finally {
            t.stop();
            Bench.deleteTree(dir);
        }
        System.out.printf("warmed the bench's NFS client against a throwaway data plane in %.1f s (not measured)%n",
                (System.nanoTime() - t0) / 1e9);
    }
}
