package dev.regatta.dataplane.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The file systems one data-plane node serves, each under an export path such as {@code /fs-0123456789abcdef0}.
 * File handles carry the export's tag (derived from its path) and format-1 handles its index, so an index must name
 * one file system only, for good: the caller picks it (see the server's persisted mapping); this table only refuses
 * duplicates.
 *
 * <p>Exports come and go while NFS calls run: every NFS call looks its export up here, so reads take an immutable
 * snapshot without locking and the rare changes copy it.
 */
public final class ExportTable {

    /**
     * One export.
     *
     * @param index     this node's number for it: never given to another file system here (format-1 handles, counters)
     * @param tag       what its handles carry: the same on every node, as it is derived from the path
     * @param handleKey the file system's handle key, the same on every member of its replication group; null while
     *                  the file system is not served here yet
     */
    public record Export(int index, long tag, String path, VirtualFileSystem fileSystem,
                         Supplier<byte[]> handleKey) {

        public Export(int index, String path, VirtualFileSystem fileSystem, Supplier<byte[]> handleKey) {
            this(index, tagOf(path), path, fileSystem, handleKey);
        }
    }

    /** An export's tag: the first 8 bytes of the SHA-256 of its path, so that every node names it alike. */
    public static long tagOf(String path) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private record Snapshot(Map<Integer, Export> byIndex, Map<Long, Export> byTag, Map<String, Export> byPath,
                            List<Export> all) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), List.of());
    }

    /** What a MOUNT of a path names: an export, and the directory path below its root ("" for the root). */
    public record Match(Export export, String below) {
    }

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** Other paths for an export index, e.g. {@code /fs-demo} for the embedded default's file system. */
    private volatile Map<String, Integer> aliases = Map.of();

    /** @throws IllegalStateException when the index or the path is already exported */
    public synchronized void add(Export export) {
        Snapshot s = snapshot;
        if (s.byIndex.containsKey(export.index())) {
            throw new IllegalStateException("export index " + export.index() + " is already "
                    + s.byIndex.get(export.index()).path());
        }
        if (s.byPath.containsKey(export.path())) {
            throw new IllegalStateException("export path " + export.path() + " is already exported");
        }
        if (s.byTag.containsKey(export.tag())) {
            // Two paths whose digests share 64 bits: never seen, but handles would be ambiguous, so refuse.
            throw new IllegalStateException("export path " + export.path() + " has the handle tag of "
                    + s.byTag.get(export.tag()).path());
        }
        Map<Integer, Export> byIndex = new HashMap<>(s.byIndex);
        Map<String, Export> byPath = new HashMap<>(s.byPath);
        byIndex.put(export.index(), export);
        byPath.put(export.path(), export);
        publish(byIndex, byPath);
    }

    /** Takes the export at {@code path} out: its handles resolve to nothing (NFS3ERR_STALE) from now on. */
    public synchronized Optional<Export> remove(String path) {
        Snapshot s = snapshot;
        Export gone = s.byPath.get(path);
        if (gone == null) {
            return Optional.empty();
        }
        Map<Integer, Export> byIndex = new HashMap<>(s.byIndex);
        Map<String, Export> byPath = new HashMap<>(s.byPath);
        byIndex.remove(gone.index());
        byPath.remove(path);
        publish(byIndex, byPath);
        return Optional.of(gone);
    }

    private void publish(Map<Integer, Export> byIndex, Map<String, Export> byPath) {
        List<Export> all = byIndex.values().stream()
                .sorted(java.util.Comparator.comparingInt(Export::index)).toList();
        Map<Long, Export> byTag = new HashMap<>();
        all.forEach(e -> byTag.put(e.tag(), e));
        snapshot = new Snapshot(Map.copyOf(byIndex), Map.copyOf(byTag), Map.copyOf(byPath), all);
    }

    /**
     * Makes {@code path} name the export with {@code index} too, whenever that index is exported: the alias outlives
     * a restart of the file system behind it.
     *
     * @throws IllegalStateException when the path is an export's own path
     */
    public synchronized void alias(String path, int index) {
        if (snapshot.byPath.containsKey(path)) {
            throw new IllegalStateException("export path " + path + " is already exported");
        }
        Map<String, Integer> next = new HashMap<>(aliases);
        next.put(path, index);
        aliases = Map.copyOf(next);
    }

    /** The export at exactly {@code path}, by its own path or an alias. */
    public Optional<Export> byPath(String path) {
        Export export = snapshot.byPath.get(path);
        if (export != null) {
            return Optional.of(export);
        }
        Integer index = aliases.get(path);
        return index == null ? Optional.empty() : byIndex(index);
    }

    /**
     * The export a MOUNT of {@code path} names: the one at the longest path (own or alias) that is {@code path} or a
     * directory above it. Like knfsd, a directory below an export can be mounted: {@code /fs-demo/projects/a}.
     */
    public Optional<Match> match(String path) {
        Match best = null;
        int bestLength = -1;
        Snapshot s = snapshot;
        Map<String, Integer> names = new HashMap<>(aliases);
        s.byPath.forEach((exportPath, export) -> names.put(exportPath, export.index()));
        for (Map.Entry<String, Integer> name : names.entrySet()) {
            String prefix = name.getKey();
            boolean covers = path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
            Export export = s.byIndex.get(name.getValue());
            if (covers && export != null && prefix.length() > bestLength) {
                best = new Match(export, path.substring(prefix.length()));
                bestLength = prefix.length();
            }
        }
        return Optional.ofNullable(best);
    }

    /** The export whose handles carry {@code tag}. */
    public Optional<Export> byTag(long tag) {
        return Optional.ofNullable(snapshot.byTag.get(tag));
    }

    public Optional<Export> byIndex(int index) {
        return Optional.ofNullable(snapshot.byIndex.get(index));
    }

    /** The exports in index order. */
    public Collection<Export> all() {
        return snapshot.all;
    }
}
