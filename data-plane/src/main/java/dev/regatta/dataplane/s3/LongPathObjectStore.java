package dev.regatta.dataplane.s3;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The bucket with S3's 1024-byte key limit taken away: the rest of the data plane uses logical keys (prefix and
 * path, up to any length), and this store keeps each under {@link KeyCodec#storedKey}, native when it fits and in the
 * long form otherwise. A listing of a directory's prefix shows both forms under their logical keys, and never the
 * reserved prefix itself.
 *
 * <p>A folder of the long form gets its record (the directory's path) before its first entry is written, and loses
 * it once a deletion leaves the folder empty. A write into a folder holds the folder's lock shared, and the check for
 * emptiness holds it exclusively, so a record is never removed under an entry being written. A process that stops
 * between emptying a folder and removing its record leaves the record behind (harmless; it goes with the next
 * deletion in that folder).
 */
public final class LongPathObjectStore implements ObjectStore {

    private static final Logger log = LoggerFactory.getLogger(LongPathObjectStore.class);

    private final ObjectStore delegate;
    private final KeyCodec keys;
    /** Folders whose record this process has written or seen written: no need to write it again. */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock[] folderLocks = new ReentrantReadWriteLock[256];
    private final Counter written;
    private final Counter deleted;
    private final Counter listed;
    private final Counter misplaced;

    private LongPathObjectStore(ObjectStore delegate, KeyCodec keys, MeterRegistry metrics) {
        this.delegate = delegate;
        this.keys = keys;
        for (int i = 0; i < folderLocks.length; i++) {
            folderLocks[i] = new ReentrantReadWriteLock();
        }
        this.written = Counter.builder("s3_long_path_writes_total")
                .description("objects written in the long-path form (their key would exceed 1024 bytes)")
                .register(metrics);
        this.deleted = Counter.builder("s3_long_path_deletes_total")
                .description("objects deleted from the long-path form").register(metrics);
        this.listed = Counter.builder("import_long_path_entries_total")
                .description("entries read from listings of the long-path form").register(metrics);
        this.misplaced = Counter.builder("import_misplaced_long_path_keys_total")
                .description("keys in the long-path form whose path fits a native key; left out of the view")
                .register(metrics);
    }

    /** {@code store} seen through logical keys (once: a store that already is one is returned as it is). */
    public static ObjectStore over(ObjectStore store, KeyCodec keys, MeterRegistry metrics) {
        return store instanceof LongPathObjectStore ? store : new LongPathObjectStore(store, keys, metrics);
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

    /**
     * Streams the native keys page by page. The long form's entries of a directory that may hold some come last, as
     * one page; a directory below the root that may hold them is delivered whole instead, since a native file and a
     * long-form subdirectory of the same name must meet in one page for the subdirectory to hide the file (at the
     * root, that takes a key prefix over 768 bytes, and its long entries simply follow the native pages).
     */
    @Override
    public void listPages(String prefix, Consumer<Listing> pages) throws ObjectStoreException {
        Optional<String> relative = keys.relativePath(prefix);
        if (relative.isEmpty() || !relative.get().isEmpty() && !relative.get().endsWith("/")) {
            delegate.listPages(prefix, pages); // not a directory of this file system: nothing to translate
            return;
        }
        String directory = relative.get().isEmpty() ? "" : relative.get().substring(0, relative.get().length() - 1);
        boolean mayHoldLong = !directory.isEmpty() && keys.mayHoldLongEntries(directory);
        if (mayHoldLong) {
            List<ObjectSummary> objects = new ArrayList<>();
            List<String> common = new ArrayList<>();
            if (keys.isNative(prefix)) {
                delegate.listPages(prefix, page -> {
                    Listing natives = natives(page, null);
                    objects.addAll(natives.objects());
                    common.addAll(natives.commonPrefixes());
                });
            }
            Listing longs = longEntries(prefix, directory);
            objects.addAll(longs.objects());
            common.addAll(longs.commonPrefixes());
            pages.accept(new Listing(objects, common));
            return;
        }
        boolean[] reservedSeen = {false};
        if (keys.isNative(prefix)) {
            delegate.listPages(prefix, page -> pages.accept(natives(page, reservedSeen)));
        }
        if (directory.isEmpty() && reservedSeen[0]) {
            pages.accept(longEntries(prefix, directory));
        }
    }

    /** A page of native keys without the long form's (and without the reserved prefix, noted in {@code reservedSeen}
     * when that is not null). */
    private Listing natives(Listing page, boolean[] reservedSeen) {
        List<ObjectSummary> objects = new ArrayList<>(page.objects().size());
        List<String> common = new ArrayList<>(page.commonPrefixes().size());
        for (ObjectSummary o : page.objects()) {
            if (keys.isNative(o.key())) {
                objects.add(o);
            }
        }
        for (String p : page.commonPrefixes()) {
            if (p.equals(keys.reservedPrefix())) {
                if (reservedSeen != null) {
                    reservedSeen[0] = true;
                }
            } else {
                common.add(p);
            }
        }
        return new Listing(objects, common);
    }

    /** The long form's entries of {@code directory}, under their logical keys. */
    private Listing longEntries(String prefix, String directory) throws ObjectStoreException {
        List<ObjectSummary> objects = new ArrayList<>();
        List<String> common = new ArrayList<>();
        String folder = keys.longFolder(directory);
        Listing longs = delegate.list(folder);
        for (ObjectSummary o : longs.objects()) {
            String name = o.key().substring(folder.length());
            if (!name.isEmpty() && placed(o.key(), prefix + name)) {
                objects.add(new ObjectSummary(prefix + name, o.size(), o.etag(), o.lastModifiedMillis()));
            }
        }
        for (String p : longs.commonPrefixes()) {
            String logical = prefix + p.substring(folder.length());
            if (placed(p, logical)) {
                common.add(logical);
            }
        }
        return new Listing(objects, common);
    }

    /** Whether a long-form key is where its logical key is stored (not, say, a short path put there by hand). */
    private boolean placed(String stored, String logical) {
        if (!keys.isNative(logical)) {
            listed.increment();
            return true;
        }
        misplaced.increment();
        log.info("key '{}' is in the long-path form but its path '{}' fits a key of its own; left out of the view",
                stored, logical);
        return false;
    }

    @Override
    public Optional<ObjectHead> head(String key) throws ObjectStoreException {
        return delegate.head(keys.storedKey(key))
                .map(h -> new ObjectHead(key, h.size(), h.etag(), h.lastModifiedMillis(), h.metadata()));
    }

    @Override
    public ByteBuffer read(String key, long offset, int length, String expectedEtag) throws ObjectStoreException {
        return delegate.read(keys.storedKey(key), offset, length, expectedEtag);
    }

    @Override
    public long readSlices(String key, long offset, long length, String expectedEtag, int sliceBytes,
                           SliceConsumer consumer) throws ObjectStoreException {
        return delegate.readSlices(keys.storedKey(key), offset, length, expectedEtag, sliceBytes, consumer);
    }

    @Override
    public String put(String key, Path file, long offset, long length, Map<String, String> metadata)
            throws ObjectStoreException {
        String stored = keys.storedKey(key);
        return intoFolder(key, stored, () -> delegate.put(stored, file, offset, length, metadata));
    }

    @Override
    public String copy(String sourceKey, String sourceEtag, String destinationKey, Map<String, String> metadata)
            throws ObjectStoreException {
        String source = keys.storedKey(sourceKey);
        String stored = keys.storedKey(destinationKey);
        return intoFolder(destinationKey, stored, () -> delegate.copy(source, sourceEtag, stored, metadata));
    }

    @Override
    public MultipartUpload startMultipart(String key, Map<String, String> metadata) throws ObjectStoreException {
        String stored = keys.storedKey(key);
        MultipartUpload upload = delegate.startMultipart(stored, metadata);
        return new MultipartUpload() {
            @Override
            public void uploadPart(int partNumber, Path file, long offset, long length) throws ObjectStoreException {
                upload.uploadPart(partNumber, file, offset, length);
            }

            @Override
            public void copyPart(int partNumber, String sourceKey, String sourceEtag, long start, long endExclusive)
                    throws ObjectStoreException {
                upload.copyPart(partNumber, keys.storedKey(sourceKey), sourceEtag, start, endExclusive);
            }

            @Override
            public String complete() throws ObjectStoreException {
                // The object appears only now: this is the write its folder's record must precede.
                return intoFolder(key, stored, upload::complete);
            }

            @Override
            public void abort() {
                upload.abort();
            }
        };
    }

    @Override
    public void delete(String key) throws ObjectStoreException {
        String stored = keys.storedKey(key);
        delegate.delete(stored);
        keys.folderOf(stored).ifPresent(folder -> {
            deleted.increment();
            removeRecordIfEmpty(folder);
        });
    }

    @Override
    public List<String> deleteAll(Collection<String> logicalKeys) throws ObjectStoreException {
        Map<String, String> logicalOf = new HashMap<>();
        for (String key : logicalKeys) {
            logicalOf.put(keys.storedKey(key), key);
        }
        List<String> failed = delegate.deleteAll(logicalOf.keySet());
        Set<String> emptied = new LinkedHashSet<>();
        for (String stored : logicalOf.keySet()) {
            if (!failed.contains(stored)) {
                keys.folderOf(stored).ifPresent(folder -> {
                    deleted.increment();
                    emptied.add(folder);
                });
            }
        }
        emptied.forEach(this::removeRecordIfEmpty);
        return failed.stream().map(logicalOf::get).toList();
    }

    private interface Write {
        String run() throws ObjectStoreException;
    }

    /** Runs a write of {@code stored}; one into a long-form folder makes sure the folder's record is there first. */
    private String intoFolder(String logical, String stored, Write write) throws ObjectStoreException {
        Optional<String> folder = keys.folderOf(stored);
        if (folder.isEmpty()) {
            return write.run();
        }
        ReentrantReadWriteLock lock = lockOf(folder.get());
        lock.readLock().lock();
        try {
            if (!recorded.contains(folder.get())) {
                writeRecord(folder.get(), keys.parentPath(logical));
            }
            String etag = write.run();
            written.increment();
            return etag;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void writeRecord(String folder, String directoryPath) throws ObjectStoreException {
        byte[] body = directoryPath.getBytes(StandardCharsets.UTF_8);
        Path file;
        try {
            file = Files.createTempFile("regatta-long-record", ".tmp");
            Files.write(file, body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the long-path record of '" + directoryPath + "'", e);
        }
        try {
            delegate.put(keys.recordKey(folder), file, 0, body.length,
                    Map.of(KeyCodec.RECORD_FORMAT_KEY, KeyCodec.RECORD_FORMAT));
            recorded.add(folder);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", file, e.toString());
            }
        }
    }

    /**
     * Removes a folder's record when nothing is left in the folder. A failure only leaves the record behind: the
     * deletion it follows did happen.
     */
    private void removeRecordIfEmpty(String folder) {
        ReentrantReadWriteLock lock = lockOf(folder);
        lock.writeLock().lock();
        try {
            Listing left = delegate.list(folder);
            if (!left.objects().isEmpty() || !left.commonPrefixes().isEmpty()) {
                return;
            }
            recorded.remove(folder);
            delegate.delete(keys.recordKey(folder));
        } catch (ObjectStoreException e) {
            log.warn("cannot remove the record of the emptied long-path folder '{}', left in the bucket: {}", folder,
                    e.getMessage());
        } finally {
            lock.writeLock().unlock();
        }
    }

    private ReentrantReadWriteLock lockOf(String folder) {
        return folderLocks[Math.floorMod(folder.hashCode(), folderLocks.length)];
    }
}
