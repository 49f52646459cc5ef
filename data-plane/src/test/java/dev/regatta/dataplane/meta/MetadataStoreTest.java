package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.TransactionScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class MetadataStoreTest {

    @TempDir
    Path dir;

    MetadataStore store;

    @BeforeEach
    void open() {
        store = MetadataStore.open(dir.resolve("meta"));
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private void reopen() {
        store.close();
        store = MetadataStore.open(dir.resolve("meta"));
    }

    static Inode inode(long id, FileType type) {
        return Inode.imported(id, type, 0644, 0, 0, 0);
    }

    @Test
    void aTransactionIsInvisibleUntilItsBodyReturnsThenAllVisible() {
        long dirId = 1;
        long fileId = 2;
        store.write(Durability.SYNC, b -> {
            assertThat(b.allocateId()).isEqualTo(dirId);
            assertThat(b.allocateId()).isEqualTo(fileId);
            Inode d = inode(dirId, FileType.DIRECTORY);
            Inode f = inode(fileId, FileType.REGULAR);
            f.addLink(dirId, "f");
            b.putInode(d).putInode(f).putEntry(dirId, "f", fileId, 3).markDirty(fileId, 1000);
            assertThat(b.inode(dirId)).isNull();
            assertThat(b.lookup(dirId, "f")).isNull();
            assertThat(b.dirtyMark(fileId)).isNull();
            return null;
        });
        assertThat(store.inode(dirId)).isNotNull();
        assertThat(store.inode(fileId).links()).containsExactly(new Inode.Link(dirId, "f"));
        assertThat(store.lookup(dirId, "f")).isEqualTo(new MetadataStore.Entry("f", fileId, 3));
        assertThat(store.dirtyMark(fileId)).isEqualTo(new MetadataStore.DirtyMark(1000, 1000));
    }

    @Test
    void theSyncQueueIsReadPageByPageInIdOrder() {
        long[] ids = {3, 300, 256, 257, 9_000_000_000L, 1};
        store.write(Durability.BUFFERED, b -> {
            for (long id : ids) {
                b.markDirty(id, id);
            }
            return null;
        });
        List<Long> seen = new ArrayList<>();
        long after = -1;
        while (true) {
            long from = after;
            Map<Long, MetadataStore.DirtyMark> page = store.read(tx -> tx.dirtyQueue(from, 4));
            assertThat(page.size()).isLessThanOrEqualTo(4);
            seen.addAll(page.keySet());
            if (page.size() < 4) {
                break;
            }
            after = seen.getLast();
        }
        assertThat(seen).containsExactly(1L, 3L, 256L, 257L, 300L, 9_000_000_000L);
        Map<Long, MetadataStore.DirtyMark> tail = store.read(tx -> tx.dirtyQueue(257, 10));
        assertThat(tail.keySet()).containsExactly(300L, 9_000_000_000L);
    }

    @Test
    void aNamePutAgainAtANewCookieIsListedOnceAtItsCurrentCookie() {
        long dirId = 1;
        long fileId = 2;
        store.write(Durability.BUFFERED, b -> b.putInode(inode(dirId, FileType.DIRECTORY))
                .putInode(inode(fileId, FileType.REGULAR))
                .putEntry(dirId, "a", fileId, 3).putEntry(dirId, "b", fileId, 4));
        // "a" again at a later cookie, its old cookie row left behind.
        store.write(Durability.BUFFERED, tx -> tx.putEntry(dirId, "a", fileId, 5));
        assertThat(store.entries(dirId, 2, 100)).extracting(MetadataStore.Entry::name).containsExactly("b", "a");
        assertThat(store.entries(dirId, 3, 100)).extracting(MetadataStore.Entry::cookie).containsExactly(4L, 5L);
    }

    @Test
    void putInodeCountsVersionsQuietPutDoesNot() {
        Inode i = inode(1, FileType.REGULAR);
        store.write(Durability.BUFFERED, b -> b.putInode(i));
        long v = store.inode(i.id()).version();
        Inode c = store.inode(i.id());
        store.write(Durability.BUFFERED, tx -> tx.putInode(c));
        assertThat(store.inode(i.id()).version()).isEqualTo(v + 1);
        Inode q = store.inode(i.id());
        store.write(Durability.BUFFERED, tx -> tx.putInodeQuietly(q));
        assertThat(store.inode(i.id()).version()).isEqualTo(v + 1);
    }

    @Test
    void inodeReturnsCopiesNotTheCachedObject() {
        Inode i = inode(5, FileType.REGULAR);
        store.write(Durability.BUFFERED, tx -> tx.putInode(i));
        Inode a = store.inode(5);
        a.chmod(0);
        a.addLink(1, "x");
        Inode b = store.inode(5);
        assertThat(b.mode()).isEqualTo(0644);
        assertThat(b.links()).isEmpty();
        // the object handed to putInode is not aliased either
        i.chmod(0777);
        assertThat(store.inode(5).mode()).isEqualTo(0644);
    }

    @Test
    void entriesListedInCookieOrderWithPaging() {
        long parent = 1;
        // names sort differently from cookies
        String[] names = {"zeta", "alpha", "mid", "beta", "omega"};
        store.write(Durability.BUFFERED, b -> {
            for (int k = 0; k < names.length; k++) {
                b.putEntry(parent, names[k], 100 + k, 3 + k);
            }
            return b.putEntry(2, "other-dir", 999, 3); // another directory must not leak in
        });
        List<MetadataStore.Entry> all = store.entries(parent, 0, 100);
        assertThat(all).extracting(MetadataStore.Entry::name).containsExactly(names);
        assertThat(all).extracting(MetadataStore.Entry::cookie).containsExactly(3L, 4L, 5L, 6L, 7L);
        List<String> paged = new ArrayList<>();
        long after = 0;
        List<MetadataStore.Entry> page;
        while (!(page = entries(parent, after, 2)).isEmpty()) {
            assertThat(page.size()).isLessThanOrEqualTo(2);
            page.forEach(e -> paged.add(e.name()));
            after = page.get(page.size() - 1).cookie();
        }
        assertThat(paged).containsExactly(names);
        assertThat(store.entries(parent, 5, 100)).extracting(MetadataStore.Entry::name).containsExactly("beta", "omega");
        assertThat(store.hasEntries(parent)).isTrue();
        assertThat(store.hasEntries(3)).isFalse();
    }

    @Test
    void deleteEntryRemovesItFromLookupAndListing() {
        store.write(Durability.BUFFERED, tx -> tx.putEntry(1, "a", 10, 3).putEntry(1, "b", 11, 4));
        store.write(Durability.BUFFERED, tx -> tx.deleteEntry(1, "a", 3));
        assertThat(store.lookup(1, "a")).isNull();
        assertThat(store.entries(1, 0, 10)).extracting(MetadataStore.Entry::name).containsExactly("b");
        store.write(Durability.BUFFERED, tx -> tx.deleteEntry(1, "b", 4));
        assertThat(store.hasEntries(1)).isFalse();
    }

    @Test
    void largeParentIdsDoNotMixWithNeighbours() {
        store.write(Durability.BUFFERED, tx -> tx.putEntry(0x100, "x", 1, 3).putEntry(0x101, "y", 2, 3).putEntry(0xFF, "z", 3, 1000)
                );
        assertThat(store.entries(0x100, 0, 10)).extracting(MetadataStore.Entry::name).containsExactly("x");
    }

    @Test
    void idAllocationPersistsAcrossReopen() {
        long[] ids = store.write(Durability.SYNC, b -> {
            long first = b.allocateId();
            long second = b.allocateId();
            b.putInode(inode(first, FileType.REGULAR)).putInode(inode(second, FileType.REGULAR));
            return new long[] {first, second};
        });
        assertThat(ids[1]).isEqualTo(ids[0] + 1);
        reopen();
        assertThat(store.write(Durability.BUFFERED, WriteTransaction::allocateId)).isEqualTo(ids[1] + 1);
    }

    @Test
    void aTransactionThatThrowsWritesNothingAndConsumesNoId() {
        long[] seen = new long[1];
        assertThatThrownBy(() -> store.write(Durability.SYNC, b -> {
            seen[0] = b.allocateId();
            b.putEntry(1, "x", 5, 3).markDirty(5, 100);
            throw new IllegalStateException("refused");
        })).hasMessage("refused");
        assertThat(store.lookup(1, "x")).isNull();
        assertThat(store.dirtyMark(5)).isNull();
        assertThat(store.write(Durability.BUFFERED, WriteTransaction::allocateId)).isEqualTo(seen[0]);
    }

    @Test
    void writeTransactionsDoNotNest() {
        assertThatThrownBy(() -> store.write(Durability.SYNC, outer ->
                store.write(Durability.SYNC, inner -> inner.putEntry(1, "x", 5, 3))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.read(outer ->
                store.write(Durability.SYNC, inner -> inner.putEntry(1, "x", 5, 3))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(store.lookup(1, "x")).isNull();
    }

    @Test
    void insideATransactionARemoteCallIsRefusedAndOutsideItIsAllowed() {
        assertThatThrownBy(() -> store.read(tx -> {
            TransactionScope.requireOutside("S3 head of k");
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("S3 head of k");
        assertThatThrownBy(() -> store.write(Durability.BUFFERED, tx -> {
            TransactionScope.requireOutside("S3 put of k");
            return null;
        })).isInstanceOf(IllegalStateException.class);
        assertThat(TransactionScope.isOpen()).isFalse();
        TransactionScope.requireOutside("S3 head of k"); // no exception between transactions
    }

    private List<MetadataStore.Entry> entries(long parent, long after, int max) {
        return store.read(tx -> tx.entries(parent, after, max));
    }

    @Test
    void markDirtyKeepsFirstAndUpdatesLast() {
        store.write(Durability.BUFFERED, tx -> tx.markDirty(7, 1000));
        store.write(Durability.BUFFERED, tx -> tx.markDirty(7, 5000));
        assertThat(store.dirtyMark(7)).isEqualTo(new MetadataStore.DirtyMark(1000, 5000));
        store.write(Durability.BUFFERED, tx -> tx.markDirty(8, 3000));
        assertThat(store.dirtyQueue()).containsOnlyKeys(7L, 8L);
        store.write(Durability.BUFFERED, tx -> tx.clearDirty(7));
        assertThat(store.dirtyMark(7)).isNull();
        assertThat(store.dirtyQueue()).containsOnlyKeys(8L);
        // after clearing, a new mark starts over
        store.write(Durability.BUFFERED, tx -> tx.markDirty(7, 9000));
        assertThat(store.dirtyMark(7)).isEqualTo(new MetadataStore.DirtyMark(9000, 9000));
    }

    @Test
    void pendingDeletesAddAndRemove() {
        store.write(Durability.BUFFERED, tx -> tx.addPendingDelete("a/b", 1).addPendingDelete("c/", 2).addPendingDelete("d", 3));
        assertThat(store.pendingDeletes(10)).containsExactlyInAnyOrder("a/b", "c/", "d");
        assertThat(store.pendingDeletes(2)).hasSize(2);
        assertThat(store.isPendingDelete("c/")).isTrue();
        store.write(Durability.BUFFERED, tx -> tx.removePendingDelete("c/"));
        assertThat(store.isPendingDelete("c/")).isFalse();
        assertThat(store.pendingDeletes(10)).containsExactlyInAnyOrder("a/b", "d");
    }

    @Test
    void deleteInodeRemovesIt() {
        store.write(Durability.BUFFERED, tx -> tx.putInode(inode(4, FileType.REGULAR)));
        assertThat(store.inode(4)).isNotNull();
        store.write(Durability.BUFFERED, tx -> tx.deleteInode(4));
        assertThat(store.inode(4)).isNull();
        reopen();
        assertThat(store.inode(4)).isNull();
    }

    @Test
    void everythingSurvivesReopen() {
        Inode f = InodeTest.full(12);
        store.write(Durability.SYNC, tx -> tx.putInode(f).putEntry(1, "f", 12, 3).markDirty(12, 100).addPendingDelete("gone", 5)
                );
        long version = store.inode(12).version();
        reopen();
        Inode back = store.inode(12);
        assertThat(back).isNotNull();
        assertThat(back.version()).isEqualTo(version);
        assertThat(back.links()).isEqualTo(f.links());
        assertThat(back.present()).isEqualTo(f.present());
        assertThat(store.lookup(1, "f")).isEqualTo(new MetadataStore.Entry("f", 12, 3));
        assertThat(store.dirtyMark(12)).isEqualTo(new MetadataStore.DirtyMark(100, 100));
        assertThat(store.pendingDeletes(10)).containsExactly("gone");
    }

    @Test
    void readTransactionsRunBesideEachOther() throws Exception {
        CountDownLatch firstInside = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        Thread first = Thread.ofPlatform().start(() -> uninterrupted(() -> store.read(tx -> {
            firstInside.countDown();
            // Under an exclusive lock the second reader could not finish while this one waits: a deadlock, cut by
            // the bound (which only bounds the test; it measures nothing).
            return secondDone.await(20, TimeUnit.SECONDS);
        })));
        assertThat(firstInside.await(20, TimeUnit.SECONDS)).isTrue();
        store.read(tx -> tx.inode(Namespace.ROOT_ID));
        secondDone.countDown();
        first.join();
        assertThat(secondDone.getCount()).isZero();
    }

    @Test
    void aWriteWaitsForTheReadersBeforeIt() throws Exception {
        CountDownLatch readerInside = new CountDownLatch(1);
        CountDownLatch releaseReader = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> uninterrupted(() -> store.read(tx -> {
            readerInside.countDown();
            releaseReader.await(20, TimeUnit.SECONDS);
            order.add("read");
            return null;
        })));
        readerInside.await(20, TimeUnit.SECONDS);
        Thread writer = Thread.ofPlatform().start(() -> store.write(Durability.BUFFERED, tx -> {
            order.add("write");
            return tx.putEntry(1, "w", 9, 3);
        }));
        while (writer.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // the writer is parked on the lock the reader holds
        }
        releaseReader.countDown();
        reader.join();
        writer.join();
        assertThat(order).containsExactly("read", "write");
    }

    @Test
    void manyDurableWritersAreAllDurableAndAllVisible() throws Exception {
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 50; i++) {
                    int n = thread * 50 + i;
                    store.write(Durability.SYNC, tx -> tx.putEntry(1, "n" + n, 1000 + n, 3 + n));
                }
            }));
        }
        for (Thread w : writers) {
            w.join();
        }
        reopen();
        assertThat(entries(1, 0, 10_000)).hasSize(800);
    }

    @Test
    void journalRecordsComeBackByFileInOrderAndGoWithTheirInode() {
        byte[] a = {1, 2, 3};
        byte[] b = {4, 5};
        long first = store.write(Durability.SYNC, tx -> tx.journal(7, List.of(new JournalRecord.Piece(10, a))));
        long second = store.write(Durability.SYNC, tx -> tx.journal(7, List.of(new JournalRecord.Piece(11, b),
                new JournalRecord.Piece(0, a))));
        long other = store.write(Durability.SYNC, tx -> {
            tx.putInode(inode(8, FileType.REGULAR));
            return tx.journal(8, List.of(new JournalRecord.Piece(0, b)));
        });
        assertThat(second).isGreaterThan(first);
        reopen();
        List<JournalRecord> records = store.read(ReadTransaction::journal);
        assertThat(records).extracting(JournalRecord::fileId, JournalRecord::sequence)
                .containsExactly(tuple(7L, first), tuple(7L, second), tuple(8L, other));
        assertThat(records.get(1).pieces()).hasSize(2);
        assertThat(records.get(1).pieces().get(0).offset()).isEqualTo(11);
        assertThat(records.get(1).pieces().get(0).bytes()).containsExactly(4, 5);
        assertThat(records.get(1).bytes()).isEqualTo(5);

        long next = store.write(Durability.SYNC, tx -> tx.journal(7, List.of(new JournalRecord.Piece(0, a))));
        assertThat(next).as("sequences go on after a reopen").isGreaterThan(other);
        store.write(Durability.SYNC, tx -> tx.retireJournal(7, second));
        store.write(Durability.SYNC, tx -> tx.deleteInode(8));
        assertThat(store.read(ReadTransaction::journal)).extracting(JournalRecord::sequence).containsExactly(next);
    }

    /** A call that may be interrupted, run where a Runnable is wanted. */
    private static void uninterrupted(Interruptible call) {
        try {
            call.run();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Interruptible {
        Object run() throws InterruptedException;
    }
}
