package dev.regatta.dataplane.node;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.regatta.dataplane.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The last assignment the control plane sent, kept in {@code <data-dir>/node/assignments.json} (owner only: it
 * lists grants), so that a node restarted while the control plane is unreachable serves its file systems again
 * rather than leave their clients hanging.
 */
final class AssignmentStore {

    private static final Logger log = LoggerFactory.getLogger(AssignmentStore.class);
    private static final TypeReference<List<AssignedFileSystem>> LIST = new TypeReference<>() {
    };

    private final Path file;
    private List<AssignedFileSystem> saved;

    AssignmentStore(Path dir) {
        this.file = dir.resolve("assignments.json");
    }

    Optional<List<AssignedFileSystem>> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            saved = ControlPlaneClient.JSON.readValue(file.toFile(), LIST);
            return Optional.of(saved);
        } catch (IOException e) {
            log.warn("cannot read the last assignment in {} ({}); waiting for the control plane's", file, e.toString());
            return Optional.empty();
        }
    }

    /** Records the assignment unless it is the one already recorded. */
    void save(List<AssignedFileSystem> assignment) {
        if (assignment.equals(saved)) {
            return;
        }
        try {
            DurableFiles.replace(file, ControlPlaneClient.JSON.writeValueAsBytes(assignment), true);
            saved = List.copyOf(assignment);
        } catch (IOException e) {
            log.warn("cannot record the assignment in {} ({}); a restart without the control plane would serve an "
                    + "older one", file, e.toString());
        }
    }
}
