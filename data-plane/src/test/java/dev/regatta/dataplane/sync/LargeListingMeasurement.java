package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.s3.ForwardingObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A measurement, not a test (it runs only with -Dregatta.measure.listing=N): the first {@code ls -l} (READDIRPLUS
 * to the end, 512 entries a call, then a LOOKUP of each entry it gave without attributes, one after the other, as
 * {@code ls} stats what the kernel does not know) of a prefix of N objects put straight into the endpoint with the
 * SDK, beside a bare ListObjectsV2 of the prefix; prints the times and the LIST and HEAD requests. -Dregatta.measure.headMillis=15 adds
 * that much to every HEAD (real S3's latency; the local endpoint answers in about a millisecond).
 */
@EnabledIfSystemProperty(named = "regatta.measure.listing", matches = "\\d+")
class LargeListingMeasurement extends RigTest {

    @Test
    void firstLsLOfALargePrefix() throws Exception {
        int n = Integer.getInteger("regatta.measure.listing");
        long headMillis = Long.getLong("regatta.measure.headMillis", 0);
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false, real -> new SlowHeads(real, headMillis));
        fs = rig.fs;
        root = fs.rootId();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = String.format("big/f%06d", i);
            puts.add(pool.submit(() -> rig.raw.putObject(b -> b.bucket(rig.bucket).key(key),
                    RequestBody.fromString("x"))));
        }
        for (Future<?> f : puts) {
            f.get();
        }
        pool.shutdown();

        for (int round = 0; round < 2; round++) {
            long t0 = System.nanoTime();
            int pages = 0;
            int keys = 0;
            String token = null;
            do {
                String continuation = token;
                ListObjectsV2Response page = rig.raw.listObjectsV2(b -> b.bucket(rig.bucket).prefix("big/")
                        .delimiter("/").continuationToken(continuation));
                pages++;
                keys += page.contents().size();
                token = page.nextContinuationToken();
            } while (token != null);
            System.out.printf("MEASURE bare ListObjectsV2: %d keys, %d pages, %.3f s%n", keys, pages,
                    (System.nanoTime() - t0) / 1e9);
        }

        double lists = rig.requests("list");
        double heads = rig.requests("head");
        long t0 = System.nanoTime();
        long big = rig.lookup(root, "big");
        long cookie = 0;
        long verifier = 0;
        int entries = 0;
        int calls = 0;
        boolean eof = false;
        List<String> unknown = new ArrayList<>();
        while (!eof) {
            Results.Listing page = fs.readdir(Caller.ROOT, big, cookie, verifier, 512, true);
            calls++;
            for (Results.DirEntry e : page.entries()) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    entries++;
                    if (e.attributes() == null) {
                        unknown.add(e.name());
                    }
                }
                cookie = e.cookie();
            }
            verifier = page.cookieVerifier();
            eof = page.eof();
        }
        double listed = (System.nanoTime() - t0) / 1e9;
        for (String name : unknown) {
            assertThat(fs.lookup(Caller.ROOT, big, name).attributes()).isNotNull();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(entries).isEqualTo(n);
        System.out.printf("MEASURE first ls -l: %d entries, %d READDIRPLUS calls (%.3f s), %d LOOKUPs of entries "
                        + "without attributes, %.3f s, LIST %.0f, HEAD %.0f (HEAD latency added: %d ms)%n", entries,
                calls, listed, unknown.size(), seconds, rig.requests("list") - lists, rig.requests("head") - heads,
                headMillis);
    }

    /** The real store, with a delay before every HEAD. */
    static final class SlowHeads extends ForwardingObjectStore {
        private final long millis;

        SlowHeads(ObjectStore real, long millis) {
            super(real);
            this.millis = millis;
        }

        /** Streams where the interface does (no @Override: the measurement also runs against code without it). */
        public void listPages(String prefix, Consumer<Listing> pages) throws ObjectStoreException {
            real.listPages(prefix, pages);
        }

        @Override
        public Optional<ObjectHead> head(String key) throws ObjectStoreException {
            if (millis > 0) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return real.head(key);
        }
    }
}
