package dev.regatta.dataplane.server;

import dev.regatta.dataplane.files.DurableFiles;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The export index of each file system this node has ever served. File handles carry the index, and clients keep
 * handles across server restarts, so an index must stay with its file system for good and never pass to another
 * one; the mapping is therefore kept in the data directory and only ever grows.
 */
final class ExportIndexes {

    private final Path file;
    private final Map<String, Integer> indexes = new TreeMap<>();

    private ExportIndexes(Path file) {
        this.file = file;
    }

    /** Loads the mapping in {@code file} (fsId=index lines), or starts an empty one if there is none yet. */
    static ExportIndexes open(Path file) {
        ExportIndexes result = new ExportIndexes(file);
        if (Files.exists(file)) {
            Properties p = new Properties();
            try {
                p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the export indexes in " + file, e);
            }
            for (String id : p.stringPropertyNames()) {
                result.indexes.put(id, Integer.parseInt(p.getProperty(id).trim()));
            }
        }
        return result;
    }

    /** The file system's index, allocated (and made durable) on first use. */
    synchronized int indexOf(String fileSystemId) {
        Integer known = indexes.get(fileSystemId);
        if (known != null) {
            return known;
        }
        int next = indexes.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        indexes.put(fileSystemId, next);
        try {
            save();
        } catch (IOException e) {
            indexes.remove(fileSystemId);
            throw new UncheckedIOException("cannot record the export index of " + fileSystemId + " in " + file, e);
        }
        return next;
    }

    private void save() throws IOException {
        StringBuilder text = new StringBuilder("# export index of each file system served here; never edit or reuse\n");
        indexes.forEach((id, index) -> text.append(id).append('=').append(index).append('\n'));
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8), false);
    }
}
