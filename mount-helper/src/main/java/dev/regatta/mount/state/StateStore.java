package dev.regatta.mount.state;

import dev.regatta.mount.Json;
import dev.regatta.mount.host.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/** The mounts' state files in {@code state_dir}: one JSON file per mount, written atomically, 0600. */
public final class StateStore {

    private static final String SUFFIX = ".json";

    private final Path directory;

    public StateStore(Path directory) {
        this.directory = directory;
    }

    public Path fileOf(String fileSystemId, Path mountPoint) {
        return directory.resolve(fileSystemId + "-" + MountState.keyOf(mountPoint) + SUFFIX);
    }

    public Path fileOf(MountState state) {
        return fileOf(state.fileSystemId(), Path.of(state.mountPoint()));
    }

    public void write(MountState state) throws IOException {
        AtomicFiles.directory(directory, AtomicFiles.OWNER_ONLY_DIRECTORY);
        AtomicFiles.write(fileOf(state), Json.MAPPER.writeValueAsBytes(state), AtomicFiles.OWNER_ONLY_FILE);
    }

    public Optional<MountState> read(Path file) throws IOException {
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), MountState.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Every mount's state. A file that cannot be read is reported and skipped, so one damaged file does not stop
     * the watchdog from looking after the other mounts.
     */
    public List<MountState> all(BiConsumer<Path, IOException> unreadable) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<MountState> states = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                try {
                    read(file).ifPresent(states::add);
                } catch (IOException e) {
                    unreadable.accept(file, e);
                }
            }
        } catch (IOException e) {
            unreadable.accept(directory, e);
        }
        return states;
    }

    public void delete(MountState state) throws IOException {
        Files.deleteIfExists(fileOf(state));
    }

    public void delete(String fileSystemId, Path mountPoint) throws IOException {
        Files.deleteIfExists(fileOf(fileSystemId, mountPoint));
    }
}
