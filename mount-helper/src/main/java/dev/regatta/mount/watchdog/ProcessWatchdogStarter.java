package dev.regatta.mount.watchdog;

import dev.regatta.mount.config.HelperConfig;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code mount.regatta watchdog} as a detached process unless one holds the lock. Two mounts at once may both
 * start one; the second finds the lock taken and leaves.
 */
public final class ProcessWatchdogStarter implements WatchdogStarter {

    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    private final HelperConfig config;
    private final List<String> program;

    /** @param program mount.regatta's program before its arguments, e.g. {@code ThisJvm.program(main class)} */
    public ProcessWatchdogStarter(HelperConfig config, List<String> program) {
        this.config = config;
        this.program = List.copyOf(program);
    }

    @Override
    public void ensureRunning() {
        try {
            if (new WatchdogLock(config.stateDir()).isHeld()) {
                return;
            }
            List<String> command = new ArrayList<>();
            // Its own session, like the tunnels: it outlives mount(8) and the terminal.
            SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(setsid -> command.add(setsid.toString()));
            command.addAll(program);
            command.add("watchdog");
            Files.createDirectories(config.logDir());
            new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            config.logDir().resolve(WatchdogLog.FILE).toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the watchdog", e);
        }
    }
}
