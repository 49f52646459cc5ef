package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.RigTest;
import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.s3.ForwardingObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

class ImporterTest extends RigTest {

    /**
     * What {@code ls -l} sees: a READDIRPLUS, and a GETATTR of each entry it leaves without attributes (their HEAD
     * was pending), as a client asks.
     */
    Map<String, Results.DirEntry> listing(long dirId) throws FsException {
        Map<String, Results.DirEntry> byName = new HashMap<>();
        for (Results.DirEntry e : fs.readdir(Caller.ROOT, dirId, 0, 0, 10_000, true).entries()) {
            Results.DirEntry stated = e.attributes() != null ? e
                    : new Results.DirEntry(e.name(), e.fileId(), e.cookie(), fs.getattr(e.fileId()));
            assertThat(byName.put(e.name(), stated)).as("duplicate entry " + e.name()).isNull();
        }
        return byName;
    }

    List<String> names(long dirId) throws FsException {
        List<String> names = new ArrayList<>();
        for (Results.DirEntry e : fs.readdir(Caller.ROOT, dirId, 0, 0, 10_000, false).entries()) {
            names.add(e.name());
        }
        return names;
    }

    /** Starts the background listing a stale directory's next access starts, and waits for it. */
    void revalidate(long dirId) throws Exception {
        names(dirId);
        rig.importer.revalidation(dirId).get(60, TimeUnit.SECONDS);
    }

    double counter(String name) {
        return rig.metrics.counter(name).count();
    }

    @Test
    void objectsInTheBucketAppearOnLookupAndReaddirWithSizes() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("top.txt", "hello", Map.of());
        rig.putObject("dir/inner.txt", "inner content", Map.of());
        rig.putObject("dir/deeper/x", "x", Map.of());
        Map<String, Results.DirEntry> top = listing(root);
        assertThat(top).containsOnlyKeys(".", "..", "top.txt", "dir");
        assertThat(top.get("top.txt").attributes().size()).isEqualTo(5);
        assertThat(top.get("top.txt").attributes().type()).isEqualTo(FileType.REGULAR);
        assertThat(top.get("dir").attributes().type()).isEqualTo(FileType.DIRECTORY);
        long d = rig.lookup(root, "dir");
        long inner = rig.lookup(d, "inner.txt");
        assertThat(fs.getattr(inner).size()).isEqualTo(13);
        assertThat(rig.readString(inner)).isEqualTo("inner content");
        assertThat(names(d)).containsExactlyInAnyOrder(".", "..", "inner.txt", "deeper");
        assertThat(fs.getattr(d).nlink()).isEqualTo(3);
        assertThat(rig.readString(rig.lookup(root, "top.txt"))).isEqualTo("hello");
    }

    @Test
    void s3fsMetadataIsApplied() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("owned", "data", Map.of("mode", Integer.toString(0100600), "uid", "1234", "gid", "5678",
                "mtime", "1600000000"));
        long f = rig.lookup(root, "owned");
        Attributes a = fs.getattr(f);
        assertThat(a.mode()).isEqualTo(0600);
        assertThat(a.uid()).isEqualTo(1234);
        assertThat(a.gid()).isEqualTo(5678);
        assertThat(a.mtimeNanos()).isEqualTo(1_600_000_000_000_000_000L);
    }

    @Test
    void directoryMarkerMetadataShowsOnLookup() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("sub/", new byte[0], Map.of("mode", Integer.toString(040700), "uid", "42", "gid", "43"));
        long sub = rig.lookup(root, "sub");
        Attributes s = fs.getattr(sub);
        assertThat(s.type()).isEqualTo(FileType.DIRECTORY);
        assertThat(s.mode()).as("marker metadata on lookup, before the directory itself is listed")
                .isEqualTo(0700);
        assertThat(s.uid()).isEqualTo(42);
        assertThat(s.gid()).isEqualTo(43);
    }

    @Test
    void directoryMarkerMetadataAppliesOnceTheDirectoryIsListed() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("sub/", new byte[0], Map.of("mode", Integer.toString(040700), "uid", "42", "gid", "43"));
        long sub = rig.lookup(root, "sub");
        names(sub);
        Attributes s = fs.getattr(sub);
        assertThat(s.mode()).isEqualTo(0700);
        assertThat(s.uid()).isEqualTo(42);
        assertThat(s.gid()).isEqualTo(43);
    }

    @Test
    void objectsWithoutMetadataGetTheDefaults() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("plain", "p", Map.of());
        Attributes a = fs.getattr(rig.lookup(root, "plain"));
        assertThat(a.mode()).isEqualTo(0644);
        assertThat(a.uid()).isZero();
    }

    @Test
    void revalidationShowsOverwrittenAndDeletedObjects() throws Exception {
        open(Duration.ofMillis(300));
        rig.putObject("c.txt", "v1", Map.of());
        rig.putObject("d.txt", "doomed", Map.of());
        long c = rig.lookup(root, "c.txt");
        assertThat(rig.readString(c)).isEqualTo("v1");
        rig.lookup(root, "d.txt");
        rig.putObject("c.txt", "version-2", Map.of());
        rig.deleteObject("d.txt");
        Thread.sleep(400);
        revalidate(root);
        long c2 = rig.lookup(root, "c.txt");
        assertThat(c2).as("same inode, new content").isEqualTo(c);
        assertThat(fs.getattr(c).size()).isEqualTo(9);
        assertThat(rig.readString(c)).isEqualTo("version-2");
        assertThat(errorOf(() -> rig.lookup(root, "d.txt"))).isEqualTo(FsError.NOENT);
        assertThat(names(root)).containsExactlyInAnyOrder(".", "..", "c.txt");
    }

    @Test
    void beforeRevalidationTheLastListingIsServed() throws Exception {
        open(Duration.ofHours(1));
        rig.putObject("keep", "one", Map.of());
        rig.lookup(root, "keep");
        rig.putObject("later", "two", Map.of());
        assertThat(errorOf(() -> rig.lookup(root, "later"))).isEqualTo(FsError.NOENT);
    }

    @Test
    void dirtyLocalFileIsNeverReplacedByAListing() throws Exception {
        open(Duration.ofMillis(200));
        rig.putObject("e.txt", "from s3", Map.of());
        long e = rig.lookup(root, "e.txt");
        rig.write(e, 0, "LOCAL VERSION"); // covers the whole file; no sync engine: stays dirty
        rig.putObject("e.txt", "changed through S3 meanwhile", Map.of());
        Thread.sleep(300);
        revalidate(root);
        assertThat(rig.lookup(root, "e.txt")).isEqualTo(e);
        listing(root);
        assertThat(fs.getattr(e).size()).isEqualTo(13);
        assertThat(rig.readString(e)).isEqualTo("LOCAL VERSION");
        assertThat(counter("sync_conflicts_total")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void locallyCreatedUnsyncedFileSurvivesRevalidation() throws Exception {
        open(Duration.ofMillis(100));
        long f = rig.create(root, "local-only");
        rig.write(f, 0, "mine");
        Thread.sleep(200);
        revalidate(root);
        assertThat(names(root)).contains("local-only");
        assertThat(rig.readString(rig.lookup(root, "local-only"))).isEqualTo("mine");
    }

    @Test
    void namesRenamedOrRemovedHereDoNotComeBackFromAListingBeforeTheBucketCatchesUp() throws Exception {
        open(Duration.ofMillis(100));
        rig.putObject("old-dir/a.txt", "a", Map.of());
        rig.putObject("gone.txt", "g", Map.of());
        long oldDir = rig.lookup(root, "old-dir");
        rig.lookup(oldDir, "a.txt");
        rig.lookup(root, "gone.txt");
        fs.rename(Caller.ROOT, root, "old-dir", root, "new-dir");
        fs.remove(Caller.ROOT, root, "gone.txt");
        Thread.sleep(200); // the root's listing is stale; no sync engine runs, so the bucket still has the old keys
        revalidate(root);
        assertThat(names(root)).contains("new-dir").doesNotContain("old-dir", "gone.txt");
        assertThat(errorOf(() -> rig.lookup(root, "old-dir"))).isEqualTo(FsError.NOENT);
        // Someone else's object under a removed name shows once nothing of ours is pending: here it never is,
        // so the removed name stays hidden; a new name appears as usual.
        rig.putObject("fresh.txt", "f", Map.of());
        Thread.sleep(200);
        revalidate(root);
        assertThat(names(root)).contains("fresh.txt").doesNotContain("gone.txt");
    }

    @Test
    void invalidKeysAreSkippedAndCounted() throws Exception {
        long now = System.currentTimeMillis();
        String longName = "n".repeat(256);
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false, store -> new ListingInjector(store, Map.of(
                "", new ObjectStore.Listing(
                        List.of(new ObjectStore.ObjectSummary(longName, 8, "etag-long", now)),
                        List.of("../", "a/", "./")),
                "a/", new ObjectStore.Listing(List.of(), List.of("a//")))));
        fs = rig.fs;
        root = fs.rootId();
        rig.putObject("ok", "fine", Map.of());
        rig.putObject("a/real", "r", Map.of());
        assertThat(names(root)).containsExactlyInAnyOrder(".", "..", "ok", "a");
        long a = rig.lookup(root, "a");
        assertThat(names(a)).containsExactlyInAnyOrder(".", "..", "real");
        assertThat(counter("import_skipped_keys_total")).isEqualTo(4);
        assertThat(errorOf(() -> rig.lookup(root, longName))).isEqualTo(FsError.NAMETOOLONG);
    }

    @Test
    void fileBesideKeysBelowItIsADirectory() throws Exception {
        long now = System.currentTimeMillis();
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), false, store -> new ListingInjector(store, Map.of(
                "", new ObjectStore.Listing(List.of(new ObjectStore.ObjectSummary("a", 13, "etag-a", now)),
                        List.of()))));
        fs = rig.fs;
        root = fs.rootId();
        rig.putObject("a/x", "child", Map.of());
        long a = rig.lookup(root, "a");
        assertThat(fs.getattr(a).type()).isEqualTo(FileType.DIRECTORY);
        assertThat(rig.readString(rig.lookup(a, "x"))).isEqualTo("child");
        assertThat(names(root)).containsExactlyInAnyOrder(".", "..", "a");
        assertThat(counter("import_shadowed_files_total")).isEqualTo(1);
    }

    @Test
    void objectsListedWithoutAnEtagAreServedAndRevalidated() throws Exception {
        // S3Proxy's filesystem store lists an object left half-written by a crash without an ETag.
        rig = new FsTestRig(endpoint, dir, Duration.ofMillis(100), false, store -> new ListingInjector(store,
                Map.of(), o -> new ObjectStore.ObjectSummary(o.key(), o.size(), null, o.lastModifiedMillis())));
        fs = rig.fs;
        root = fs.rootId();
        rig.putObject("no-etag", "content", Map.of());
        long f = rig.lookup(root, "no-etag");
        assertThat(rig.readString(f)).isEqualTo("content");
        Thread.sleep(200);
        revalidate(root);
        assertThat(rig.lookup(root, "no-etag")).as("revalidated, same inode").isEqualTo(f);
        assertThat(names(root)).containsExactlyInAnyOrder(".", "..", "no-etag");
        assertThat(rig.readString(f)).isEqualTo("content");
    }

    /**
     * Delegates to the real store, merging extra objects and prefixes into listings of given prefixes and
     * rewriting the real objects listed.
     */
    static final class ListingInjector extends ForwardingObjectStore {
        private final Map<String, Listing> extra;
        private final UnaryOperator<ObjectSummary> rewrite;

        ListingInjector(ObjectStore real, Map<String, Listing> extra) {
            this(real, extra, UnaryOperator.identity());
        }

        ListingInjector(ObjectStore real, Map<String, Listing> extra, UnaryOperator<ObjectSummary> rewrite) {
            super(real);
            this.extra = extra;
            this.rewrite = rewrite;
        }

        @Override
        public Listing list(String prefix) throws ObjectStoreException {
            Listing listed = real.list(prefix);
            Listing found = new Listing(listed.objects().stream().map(rewrite).toList(), listed.commonPrefixes());
            Listing add = extra.get(prefix);
            if (add == null) {
                return found;
            }
            List<ObjectSummary> objects = new ArrayList<>(found.objects());
            objects.addAll(add.objects());
            List<String> prefixes = new ArrayList<>(found.commonPrefixes());
            for (String p : add.commonPrefixes()) {
                if (!prefixes.contains(p)) {
                    prefixes.add(p);
                }
            }
            return new Listing(objects, prefixes);
        }
    }
}
