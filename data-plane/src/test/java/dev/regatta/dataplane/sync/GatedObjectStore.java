package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.s3.ForwardingObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The real store with gates a test closes and opens: a held listing has read the bucket and waits before handing its
 * pages over (so what happens meanwhile is newer than the listing), a listing can be held or cut off between two of
 * its pages, held HEADs wait before asking. Listings can also be cut into pages of a few names, in the bucket's
 * order, as S3 pages a large prefix.
 */
final class GatedObjectStore extends ForwardingObjectStore {

    private final int pageSize;
    private final Map<String, List<ObjectSummary>> extra;
    private volatile Gate listingGate;
    private volatile Gate headGate;
    private volatile Predicate<String> heldHeads = key -> true;
    private volatile Gate pageGate;
    private volatile int heldPage = -1;
    private volatile int failingPage = -1;

    /** @param pageSize names per page of a listing (objects and subdirectories together); 0 for S3's own pages */
    GatedObjectStore(ObjectStore real, int pageSize) {
        this(real, pageSize, Map.of());
    }

    /**
     * @param extra objects added to the paged listings of given prefixes (keys S3Proxy cannot hold beside others,
     *              such as a file 'a' beside 'a/x')
     */
    GatedObjectStore(ObjectStore real, int pageSize, Map<String, List<ObjectSummary>> extra) {
        super(real);
        this.pageSize = pageSize;
        this.extra = extra;
    }

    /**
     * The next listing, from whatever thread, reads the bucket and then waits for {@link Gate#open}. A listing made
     * in the thread that closed the gate fails instead: that caller would be waiting for its own listing.
     */
    Gate holdNextListing() {
        Gate gate = new Gate(Thread.currentThread());
        listingGate = gate;
        return gate;
    }

    /** Every HEAD from now on waits for {@link Gate#open} (a HEAD in the closing thread fails, as above). */
    Gate holdHeads() {
        return holdHeads(key -> true);
    }

    /** The HEADs of the keys {@code which} accepts wait from now on for {@link Gate#open}; the others pass. */
    Gate holdHeads(Predicate<String> which) {
        Gate gate = new Gate(Thread.currentThread());
        heldHeads = which;
        headGate = gate;
        return gate;
    }

    /**
     * The next listing hands over its pages before page {@code index} (from 0) at once, and then waits for
     * {@link Gate#open} before handing over the rest: a listing of a large prefix on its way.
     */
    Gate holdPage(int index) {
        Gate gate = new Gate(Thread.currentThread());
        heldPage = index;
        pageGate = gate;
        return gate;
    }

    /** Every listing from now on fails (as S3 going away) after handing over the pages before {@code index}. */
    void failAtPage(int index) {
        failingPage = index;
    }

    /** Listings end normally again. */
    void stopFailing() {
        failingPage = -1;
    }

    /** A closed gate. */
    static final class Gate {
        private final Thread closer;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);

        Gate(Thread closer) {
            this.closer = closer;
        }

        void pass() {
            if (Thread.currentThread() == closer) {
                throw new AssertionError("the caller itself waits for the S3 request held at the gate");
            }
            reached.countDown();
            try {
                opened.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until a request stands at the gate. */
        void awaitReached() throws InterruptedException {
            if (!reached.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("no request reached the gate");
            }
        }

        void open() {
            opened.countDown();
        }
    }

    @Override
    public Listing list(String prefix) throws ObjectStoreException {
        List<ObjectSummary> objects = new ArrayList<>();
        List<String> common = new ArrayList<>();
        listPages(prefix, page -> {
            objects.addAll(page.objects());
            common.addAll(page.commonPrefixes());
        });
        return new Listing(objects, common);
    }

    @Override
    public void listPages(String prefix, Consumer<Listing> pages) throws ObjectStoreException {
        List<Listing> read = new ArrayList<>();
        if (pageSize == 0) {
            real.listPages(prefix, read::add);
        } else {
            Listing whole = real.list(prefix);
            List<ObjectSummary> objects = new ArrayList<>(whole.objects());
            objects.addAll(extra.getOrDefault(prefix, List.of()));
            read.addAll(paged(new Listing(objects, whole.commonPrefixes())));
        }
        Gate gate = listingGate;
        if (gate != null) {
            listingGate = null;
            gate.pass();
        }
        for (int i = 0; i < read.size(); i++) {
            if (i == failingPage) {
                throw new ObjectStoreException(ObjectStoreException.Kind.RETRYABLE, "listing cut off at page " + i,
                        null);
            }
            Gate beforePage = pageGate;
            if (beforePage != null && i == heldPage) {
                pageGate = null;
                beforePage.pass();
            }
            pages.accept(read.get(i));
        }
    }

    /** Objects and subdirectories in one order (code points, as S3's UTF-8 bytes), cut into pages. */
    private List<Listing> paged(Listing whole) {
        List<String> names = new ArrayList<>(whole.commonPrefixes());
        whole.objects().forEach(o -> names.add(o.key()));
        names.sort((a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
        List<Listing> pages = new ArrayList<>();
        for (int from = 0; from < names.size(); from += pageSize) {
            List<ObjectSummary> objects = new ArrayList<>();
            List<String> common = new ArrayList<>();
            for (String name : names.subList(from, Math.min(names.size(), from + pageSize))) {
                whole.objects().stream().filter(o -> o.key().equals(name)).findFirst().ifPresentOrElse(
                        objects::add, () -> common.add(name));
            }
            pages.add(new Listing(objects, common));
        }
        return pages;
    }

    @Override
    public Optional<ObjectHead> head(String key) throws ObjectStoreException {
        Gate gate = headGate;
        if (gate != null && heldHeads.test(key)) {
            gate.pass();
        }
        return real.head(key);
    }

}
