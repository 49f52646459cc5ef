package dev.regatta.mount.tunnel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the tunnel as a detached background process and watches its log for the line that says it listens. */
public final class ProcessTunnelLauncher implements TunnelLauncher {

    private static final Pattern LISTENING = Pattern.compile("regatta-tunnel: listening ([0-9.]+):(\\d+)");
    private static final Pattern PORTMAPPER = Pattern.compile("regatta-tunnel: portmapper ([0-9.]+):(\\d+)");
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** Start times come from /proc in clock ticks; two readings of one process may differ by rounding. */
    private static final Duration SAME_START = Duration.ofSeconds(1);
    private static final int TAIL_LINES = 20;

    private final List<String> program;
    private final Duration startTimeout;

    /**
     * @param program the tunnel's program before its arguments, e.g.
     *                {@code ThisJvm.program(TunnelCommand.MAIN_CLASS)}
     */
    public ProcessTunnelLauncher(List<String> program, Duration startTimeout) {
        this.program = List.copyOf(program);
        this.startTimeout = startTimeout;
    }

    @Override
    public TunnelProcess start(TunnelSpec spec) {
        Path log = spec.listenPort().isPresent() ? spec.logFile(spec.listenPort().getAsInt())
                // The port is the tunnel's choice: the log gets its final name once the tunnel says which.
                : spec.logDir().resolve("tunnel-" + spec.fileSystemId() + "-" + UUID.randomUUID() + ".starting.log");
        long logStart = sizeOf(log);
        Process process = launch(spec, log);
        Instant startedAt = process.info().startInstant().orElse(Instant.now());
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<int[]> ports = listeningPorts(log, logStart, spec.listenAddress());
            if (ports.isPresent()) {
                return started(spec, log, new TunnelProcess(process.pid(), startedAt, ports.get()[0],
                        ports.get()[1]));
            }
            if (!process.isAlive()) {
                throw new TunnelStartFailure("the TLS tunnel to " + spec.nodes() + " exited with status "
                        + process.exitValue() + " before it listened; the end of " + log + ":\n" + tail(log));
            }
            sleep(POLL);
        }
        stop(process.toHandle());
        throw new TunnelStartFailure("the TLS tunnel did not start: it did not say it listens within "
                + startTimeout.toSeconds() + " s; the end of " + log + ":\n" + tail(log));
    }

    @Override
    public boolean isRunning(TunnelProcess tunnel) {
        return handle(tunnel).isPresent();
    }

    @Override
    public void stop(TunnelProcess tunnel) {
        handle(tunnel).ifPresent(ProcessTunnelLauncher::stop);
    }

    private Process launch(TunnelSpec spec, Path log) {
        List<String> command = new ArrayList<>();
        // Its own session: the tunnel must not get the terminal's hangup, nor die with mount(8)'s process group.
        SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(setsid -> command.add(setsid.toString()));
        command.addAll(program);
        command.addAll(TunnelCommand.arguments(spec));
        try {
            Files.createDirectories(spec.logDir());
            return new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new TunnelStartFailure("cannot start the TLS tunnel (" + String.join(" ", program) + "): "
                    + e.getMessage());
        }
    }

    private static TunnelProcess started(TunnelSpec spec, Path log, TunnelProcess tunnel) {
        Path named = spec.logFile(tunnel.port());
        if (!log.equals(named)) {
            try {
                // The tunnel keeps writing to the same open file under its new name.
                Files.move(log, named, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rename the tunnel's log " + log + " to " + named, e);
            }
        }
        return tunnel;
    }

    private Optional<ProcessHandle> handle(TunnelProcess tunnel) {
        return ProcessHandle.of(tunnel.pid()).filter(ProcessHandle::isAlive).filter(process -> process.info()
                .startInstant().map(start -> Duration.between(start, tunnel.startedAt()).abs()
                        .compareTo(SAME_START) <= 0).orElse(true));
    }

    private static void stop(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The tunnel's port and its portmapper's (0 if none), once it says it listens on the address asked for. */
    private static Optional<int[]> listeningPorts(Path log, long from, String address) {
        try {
            byte[] content = Files.readAllBytes(log);
            String written = new String(content, (int) Math.min(from, content.length),
                    content.length - (int) Math.min(from, content.length), StandardCharsets.UTF_8);
            OptionalInt port = portOn(LISTENING.matcher(written), address);
            if (port.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new int[] {port.getAsInt(), portOn(PORTMAPPER.matcher(written), address).orElse(0)});
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The port of the first line that names {@code address}. */
    private static OptionalInt portOn(Matcher lines, String address) {
        while (lines.find()) {
            if (lines.group(1).equals(address)) {
                return OptionalInt.of(Integer.parseInt(lines.group(2)));
            }
        }
        return OptionalInt.empty();
    }

    static String tail(Path log) {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
            return last.isEmpty() ? "  (empty)" : "  " + String.join("\n  ", last);
        } catch (IOException e) {
            return "  (cannot read it: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunnelStartFailure("interrupted while waiting for the TLS tunnel to start");
        }
    }
}
