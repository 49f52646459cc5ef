package dev.regatta.mount.host;

import java.time.Duration;
import java.util.List;

/** Runs a command to its end ({@code mount}, {@code modprobe}); tests record what would have run instead. */
public interface CommandRunner {

    /** A command that cannot be started or outlives {@code timeout} ends with a non-zero code and says why. */
    CommandResult run(List<String> command, Duration timeout);
}
