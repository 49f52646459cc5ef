package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A directory's first listing is served as it arrives: a READDIR answers from the pages merged so far and goes on
 * from its cookie, a LOOKUP answers once its name is merged or passed, a READDIRPLUS leaves out attributes whose HEAD
 * is pending; nothing is shown that the finished listing would not show, and S3 going away mid-listing ends in
 * JUKEBOX, never in a short listing. The 60-second guards only keep a hang (the old behaviour) from stalling the
 * build.
 */
class ProgressiveListingTest extends RigTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    GatedObjectStore gated;
    /** The directory under test, not listed yet: below the root, whose listing holds the file system's own keys. */
    long big;

    void openGated(int pageSize) {
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false,
                real -> gated = new GatedObjectStore(real, pageSize));
        fs = rig.fs;
        root = fs.rootId();
    }

    /** Objects 'big/NAME' put by another client; the root is listed, 'big' is not. */
    private void put(String... names) throws FsException {
        for (String name : names) {
            rig.putObject("big/" + name, name, Map.of());
        }
        big = rig.lookup(root, "big");
    }

    private Results.Listing readdir(long cookie, int maxEntries, boolean plus) throws FsException {
        return fs.readdir(Caller.ROOT, big, cookie, 0, maxEntries, plus);
    }

    private static List<String> names(Results.Listing listing) {
        return listing.entries().stream().map(Results.DirEntry::name).toList();
    }

    private static long lastCookie(Results.Listing listing) {
        return listing.entries().get(listing.entries().size() - 1).cookie();
    }

    @Test
    void aReaddirOfADirectoryNeverListedAnswersFromTheFirstPageWithoutWaitingForTheSecond() throws Exception {
        openGated(3);
        put("f0", "f1", "f2", "f3", "f4", "f5", "f6");
        double listings = rig.metrics.counter("import_listings_total", "kind", "first").count();
        double pages = rig.metrics.counter("import_list_requests_total").count();
        GatedObjectStore.Gate secondPage = gated.holdPage(1);

        // Pages [f0, f1, f2] [f3, f4, f5] [f6]; a page's last file waits for the next page (an 'f2/' could follow).
        Results.Listing first = assertTimeoutPreemptively(HANG_GUARD, () -> readdir(0, 4, false));
        assertThat(names(first)).containsExactly(".", "..", "f0", "f1");
        assertThat(first.eof()).isFalse();

        // The next call needs the held page: it waits for it, and goes on after f1.
        CompletableFuture<Results.Listing> next = CompletableFuture.supplyAsync(() -> {
            try {
                return readdir(lastCookie(first), 100, false);
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        secondPage.awaitReached();
        secondPage.open();
        Results.Listing rest = next.get(60, TimeUnit.SECONDS);
        assertThat(names(rest)).containsExactlyInAnyOrder("f2", "f3", "f4", "f5", "f6");
        assertThat(rest.eof()).isTrue();
        // The callers shared one listing of the directory.
        assertThat(rig.metrics.counter("import_listings_total", "kind", "first").count()).isEqualTo(listings + 1);
        assertThat(rig.metrics.counter("import_list_requests_total").count()).isEqualTo(pages + 3);
    }

    @Test
    void aReaddirplusLeavesOutAttributesWhoseHeadIsPendingAndAGetattrWaitsOnlyForItsOwnHead() throws Exception {
        openGated(0);
        rig.putObject("big/held", "h", Map.of("mode", Integer.toString(0100600), "uid", "1234", "gid", "5678"));
        rig.putObject("big/free", "f", Map.of("mode", Integer.toString(0100640), "uid", "4321", "gid", "8765"));
        big = rig.lookup(root, "big");
        GatedObjectStore.Gate heads = gated.holdHeads(key -> key.equals("big/held"));

        Results.Listing plus = assertTimeoutPreemptively(HANG_GUARD, () -> readdir(0, 100, true));
        Map<String, Results.DirEntry> byName = new HashMap<>();
        plus.entries().forEach(e -> byName.put(e.name(), e));
        assertThat(byName).containsKeys(".", "..", "held", "free");
        assertThat(plus.eof()).isTrue();
        // Not the bucket's defaults, which its HEAD would change a moment later: nothing.
        assertThat(byName.get("held").attributes()).isNull();
        Results.DirEntry free = byName.get("free");
        assertThat(free.attributes() == null || free.attributes().mode() == 0640).isTrue();

        assertThat(assertTimeoutPreemptively(HANG_GUARD, () -> fs.getattr(free.fileId())).uid()).isEqualTo(4321);
        assertThat(fs.lookup(Caller.ROOT, big, "free").attributes().gid()).isEqualTo(8765);

        heads.awaitReached();
        heads.open();
        assertThat(fs.getattr(byName.get("held").fileId()).mode()).isEqualTo(0600);
        assertThat(fs.lookup(Caller.ROOT, big, "held").attributes().uid()).isEqualTo(1234);
    }

    @Test
    void aLookupDuringAFirstListingAnswersAMissOnlyForANameTheListingHasPassed() throws Exception {
        openGated(3);
        // In the bucket's order: pages [a, a-b, a0] [c, d, e]. The first page's merge holds back 'a' and 'a0' for
        // the next page, where an 'a/' or 'a0/' could be (here 'a/' could not, but the listing does not know that).
        put("a", "a-b", "a0", "c", "d", "e");
        GatedObjectStore.Gate secondPage = gated.holdPage(1);

        assertThat(assertTimeoutPreemptively(HANG_GUARD, () -> rig.lookup(big, "a-b"))).isPositive();
        assertThat(assertTimeoutPreemptively(HANG_GUARD,
                () -> errorOf(() -> rig.lookup(big, "a-a")))).isEqualTo(FsError.NOENT);
        CompletableFuture<Long> heldBack = lookupAsync("a");
        CompletableFuture<Long> later = lookupAsync("d");
        CompletableFuture<Long> missing = lookupAsync("cc");
        secondPage.awaitReached();
        secondPage.open();

        assertThat(heldBack.get(60, TimeUnit.SECONDS)).isPositive();
        assertThat(later.get(60, TimeUnit.SECONDS)).isPositive();
        assertThat(missing.get(60, TimeUnit.SECONDS)).isEqualTo(-1L);
        assertThat(rig.names(big)).containsExactlyInAnyOrder(".", "..", "a", "a-b", "a0", "c", "d", "e");
    }

    @Test
    void aCreateDuringAFirstListingOfANameOnALaterPageOpensTheListedFile() throws Exception {
        openGated(2);
        put("a", "b", "c", "d");
        GatedObjectStore.Gate secondPage = gated.holdPage(1);
        assertThat(assertTimeoutPreemptively(HANG_GUARD, () -> rig.lookup(big, "a"))).isPositive();

        CompletableFuture<Long> create = CompletableFuture.supplyAsync(() -> {
            try {
                return fs.create(Caller.ROOT, big, "d", CreateMode.UNCHECKED, null, 0).fileId();
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        secondPage.awaitReached();
        secondPage.open();
        long created = create.get(60, TimeUnit.SECONDS);

        assertThat(created).isEqualTo(rig.lookup(big, "d"));
        assertThat(rig.readString(created)).isEqualTo("d");
        assertThat(rig.names(big)).containsExactlyInAnyOrder(".", "..", "a", "b", "c", "d");
    }

    @Test
    void s3GoingAwayMidListingGivesJukeboxAndNeverAShortListing() throws Exception {
        openGated(2);
        put("f0", "f1", "f2", "f3", "f4", "f5");
        gated.failAtPage(1);

        List<String> seen = new ArrayList<>();
        long cookie = 0;
        FsError failure = null;
        for (int call = 0; call < 10 && failure == null; call++) {
            try {
                Results.Listing page = readdir(cookie, 3, false);
                assertThat(page.eof()).as("EOF after %s", seen).isFalse();
                seen.addAll(names(page));
                cookie = lastCookie(page);
            } catch (FsException e) {
                failure = e.error();
            }
        }
        assertThat(failure).isEqualTo(FsError.JUKEBOX);

        gated.stopFailing();
        while (true) {
            Results.Listing page = readdir(cookie, 3, false);
            seen.addAll(names(page));
            if (page.eof()) {
                break;
            }
            cookie = lastCookie(page);
        }
        assertThat(seen).containsExactly(".", "..", "f0", "f1", "f2", "f3", "f4", "f5");
    }

    private CompletableFuture<Long> lookupAsync(String name) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return rig.lookup(big, name);
            } catch (FsException e) {
                if (e.error() == FsError.NOENT) {
                    return -1L;
                }
                throw new IllegalStateException(e);
            }
        });
    }
}
