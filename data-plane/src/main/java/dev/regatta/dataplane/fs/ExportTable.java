package dev.regatta.dataplane.fs;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The file systems one data-plane node serves, each under an export path such as {@code /fs-0123456789abcdef0}.
 * File handles carry the export's index, so an index must name one file system only, for good: the caller picks
 * it (see the server's persisted mapping); this table only refuses duplicates.
 *
 * <p>Exports come and go while NFS calls run: every NFS call looks its export up here, so reads take an immutable
 * snapshot without locking and the rare changes copy it.
 */
public final class ExportTable {

    public record Export(int index, String path, VirtualFileSystem fileSystem) {
    }

    private record Snapshot(Map<Integer, Export> byIndex, Map<String, Export> byPath, List<Export> all) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), List.of());
    }

    private volatile Snapshot snapshot = Snapshot.EMPTY;

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
        snapshot = new Snapshot(Map.copyOf(byIndex), Map.copyOf(byPath), all);
    }

    public Optional<Export> byPath(String path) {
        return Optional.ofNullable(snapshot.byPath.get(path));
    }

    public Optional<Export> byIndex(int index) {
        return Optional.ofNullable(snapshot.byIndex.get(index));
    }

    /** The exports in index order. */
    public Collection<Export> all() {
        return snapshot.all;
    }
}
