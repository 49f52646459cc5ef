package dev.regatta.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What runs on this machine for a data directory, read from /proc as {@code ps} would. */
final class Processes {

    private Processes() {
    }

    /** Java processes whose environment names {@code controlPlaneDir} as REGATTA_DATA_DIR: control planes. */
    static List<ProcessHandle> controlPlanesOn(Path controlPlaneDir) {
        String entry = "REGATTA_DATA_DIR=" + controlPlaneDir.toAbsolutePath();
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().command().filter(command -> command.endsWith("/java")).isPresent())
                .filter(process -> List.of(read(process.pid(), "environ").split("\0")).contains(entry))
                .toList();
    }

    /** PostgreSQL servers started on {@code postgresDir} (with {@code -D dir}) and their processes. */
    static List<ProcessHandle> postgresOn(Path postgresDir) {
        String dir = postgresDir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(process -> List.of(read(process.pid(), "cmdline").split("\0")).contains(dir))
                .flatMap(postmaster -> Stream.concat(Stream.of(postmaster), postmaster.descendants()))
                .toList();
    }

    /** The arguments {@code pid} was started with, its program first. */
    static List<String> commandLine(long pid) {
        return List.of(read(pid, "cmdline").split("\0"));
    }

    /** The file-creation mask of {@code pid}, as /proc/PID/status shows it (e.g. "0077"). */
    static String umask(long pid) {
        return read(pid, "status").lines().filter(line -> line.startsWith("Umask:"))
                .map(line -> line.substring("Umask:".length()).strip()).findFirst().orElseThrow();
    }

    /**
     * Waits until {@code processes} finds none (they may still be stopping when this is called); returns what it
     * finds last.
     */
    static List<ProcessHandle> awaitNone(Supplier<List<ProcessHandle>> processes, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> found = processes.get();
        while (!found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            found = processes.get();
        }
        return found;
    }

    /** For failure messages: pid and command line of each. */
    static String describe(List<ProcessHandle> processes) {
        return processes.stream().map(process -> process.pid() + " " + String.join(" ", commandLine(process.pid())))
                .toList().toString();
    }

    private static String read(long pid, String file) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return ""; // gone, or another user's
        }
    }
}
