package dev.regatta.mount.preflight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The effective user ID, read from {@code /proc/self/status} (Java has no getuid). */
final class EffectiveUser {

    private EffectiveUser() {
    }

    /** {@code Uid:} lists the real, effective, saved and file-system IDs; permission checks use the effective one. */
    static long of(Path processStatus) {
        try {
            for (String line : Files.readAllLines(processStatus)) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring("Uid:".length()).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + processStatus, e);
        }
        throw new IllegalStateException(processStatus + " has no Uid: line");
    }
}
