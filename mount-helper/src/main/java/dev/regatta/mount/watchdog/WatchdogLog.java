package dev.regatta.mount.watchdog;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code <log_dir>/watchdog.log}: one time-stamped line per thing the watchdog did or could not do. Appended with
 * O_APPEND, so the watchdog's own stderr (redirected to the same file) interleaves whole lines.
 */
public final class WatchdogLog {

    public static final String FILE = "watchdog.log";

    private final Path file;
    private final Clock clock;
    private final Optional<PrintStream> echo;

    /** @param echo where to repeat each line as well (stderr with {@code -v}) */
    public WatchdogLog(Path logDir, Clock clock, Optional<PrintStream> echo) {
        this.file = logDir.resolve(FILE);
        this.clock = clock;
        this.echo = echo;
    }

    public synchronized void log(String message) {
        String line = clock.instant() + " " + message + "\n";
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the watchdog's log " + file, e);
        }
        echo.ifPresent(out -> out.print(line));
    }
}
