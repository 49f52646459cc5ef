package dev.regatta.dataplane.fs;

import java.util.Collection;
import java.util.Optional;

/**
 * The file systems one data-plane node serves, each under an export path such as {@code /fs-demo}. The index
 * is small and stable for the process's life; file handles carry it.
 */
public interface ExportTable {

    record Export(int index, String path, VirtualFileSystem fileSystem) {
    }

    Optional<Export> byPath(String path);

    Optional<Export> byIndex(int index);

    Collection<Export> all();
}
