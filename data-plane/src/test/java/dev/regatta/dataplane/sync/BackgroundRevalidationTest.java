package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.s3.ObjectStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A directory listed before keeps serving what it shows while it is listed again in the background, and the listing's
 * difference is merged without undoing what was done through NFS meanwhile; listings arrive and merge in pages.
 */
class BackgroundRevalidationTest extends RigTest {

    GatedObjectStore gated;

    /** Every directory listed before is stale at once: each access starts (or finds) a background listing. */
    void openGated(int pageSize) {
        openGated(pageSize, Map.of());
    }

    void openGated(int pageSize, Map<String, List<ObjectStore.ObjectSummary>> extra) {
        rig = new FsTestRig(endpoint, dir, Duration.ZERO, false,
                real -> gated = new GatedObjectStore(real, pageSize, extra));
        fs = rig.fs;
        root = fs.rootId();
    }

    void revalidated(long dirId) throws Exception {
        rig.importer.revalidation(dirId).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aStaleDirectoryAnswersFromItsCurrentViewWhileItsListingIsHeldAndTakesTheBucketsChangesAfter()
            throws Exception {
        openGated(0);
        rig.putObject("kept.txt", "k", Map.of());
        rig.putObject("doomed.txt", "d", Map.of());
        assertThat(rig.names(root)).contains("kept.txt", "doomed.txt"); // never listed: listed in the caller

        rig.putObject("added.txt", "a", Map.of());
        rig.deleteObject("doomed.txt");
        GatedObjectStore.Gate gate = gated.holdNextListing();
        List<String> during = rig.names(root); // a listing in this thread would fail at the gate
        gate.awaitReached();
        assertThat(during).contains("kept.txt", "doomed.txt").doesNotContain("added.txt");
        assertThat(rig.lookup(root, "kept.txt")).isPositive();

        gate.open();
        revalidated(root);
        assertThat(rig.metrics.counter("import_listings_total", "kind", "revalidation").count()).isEqualTo(1);
        assertThat(rig.names(root)).contains("kept.txt", "added.txt").doesNotContain("doomed.txt");
    }

    @Test
    void namesMadeAndRemovedThroughNfsDuringAListingStayAsTheyAreUnsynced() throws Exception {
        openGated(0);
        rig.putObject("removed-here.txt", "r", Map.of());
        rig.names(root);

        GatedObjectStore.Gate gate = gated.holdNextListing();
        rig.names(root);
        gate.awaitReached(); // the listing has read the bucket: it shows removed-here.txt, not created-here.txt
        rig.write(rig.create(root, "created-here.txt"), 0, "mine"); // no sync engine: stays unsynced
        fs.remove(Caller.ROOT, root, "removed-here.txt");
        gate.open();
        revalidated(root);

        assertThat(rig.names(root)).contains("created-here.txt").doesNotContain("removed-here.txt");
        assertThat(rig.readString(rig.lookup(root, "created-here.txt"))).isEqualTo("mine");
    }

    @Test
    void namesMadeAndRemovedThroughNfsDuringAListingStayAsTheyAreOnceSynced() throws Exception {
        openGated(0);
        rig.startSync(Duration.ofMillis(20), Duration.ofSeconds(5), 16L << 20, 8L << 20);
        rig.putObject("removed-here.txt", "r", Map.of());
        rig.names(root);

        GatedObjectStore.Gate gate = gated.holdNextListing();
        rig.names(root);
        gate.awaitReached();
        rig.write(rig.create(root, "created-here.txt"), 0, "mine");
        fs.remove(Caller.ROOT, root, "removed-here.txt");
        assertThat(rig.sync.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(rig.exists("created-here.txt")).isTrue();
        assertThat(rig.exists("removed-here.txt")).isFalse();
        gate.open(); // the listing read the bucket before both changes reached it
        revalidated(root);

        assertThat(rig.names(root)).contains("created-here.txt").doesNotContain("removed-here.txt");
        assertThat(rig.readString(rig.lookup(root, "created-here.txt"))).isEqualTo("mine");
    }

    @Test
    void aListingInPagesIsMergedWholeAndAFileBesideKeysBelowItOnALaterPageIsStillHidden() throws Exception {
        // S3Proxy cannot hold a file 'a' beside 'a/inner': the listing shows one anyway, as S3 can.
        openGated(2, Map.of("", List.of(new ObjectStore.ObjectSummary("a", 1, "etag-a", System.currentTimeMillis()))));
        // In the bucket's order: a, a!x, a-y, a/ (a prefix), b, c: pages [a, a!x] [a-y, a/] [b, c].
        for (String key : List.of("a!x", "a-y", "a/inner", "b", "c")) {
            rig.putObject(key, key, Map.of());
        }
        assertThat(rig.names(root)).containsExactlyInAnyOrder(".", "..", "a", "a!x", "a-y", "b", "c");
        assertThat(rig.metrics.counter("import_shadowed_files_total").count()).isEqualTo(1);
        assertThat(rig.metrics.counter("import_list_requests_total").count()).isEqualTo(3);
        assertThat(fs.getattr(rig.lookup(root, "a")).type()).isEqualTo(FileType.DIRECTORY);

        revalidated(root); // the lookups above started one: it may have read the bucket before the changes below
        rig.deleteObject("a!x");
        rig.putObject("d", "d", Map.of());
        rig.names(root);
        revalidated(root);
        assertThat(rig.names(root)).containsExactlyInAnyOrder(".", "..", "a", "a-y", "b", "c", "d");
    }

    @Test
    void aListingDoesNotWaitForTheHeadsOfWhatItFoundButAGetattrDoes() throws Exception {
        openGated(0);
        rig.putObject("owned", "data", Map.of("mode", Integer.toString(0100600), "uid", "1234", "gid", "5678"));
        GatedObjectStore.Gate heads = gated.holdHeads();
        // Hang guard only: before background HEADs, this waited for the held HEAD for ever.
        List<String> names = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> rig.names(root));
        assertThat(names).contains("owned");
        heads.awaitReached();
        heads.open();
        Attributes owned = fs.getattr(rig.lookup(root, "owned"));
        assertThat(owned.mode()).isEqualTo(0600);
        assertThat(owned.uid()).isEqualTo(1234);
        assertThat(owned.gid()).isEqualTo(5678);
    }
}
