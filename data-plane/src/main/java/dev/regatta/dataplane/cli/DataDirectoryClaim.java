package dev.regatta.dataplane.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code regatta up}'s hold on its data directory: one {@code up} at a time per directory (a lock the kernel
 * releases when the process dies, however it dies), and what an earlier {@code up} on it left running is stopped
 * before anything starts. A control plane outlives its {@code up} when that one was killed before this version
 * (which makes the control plane end with its parent, see ControlPlaneProcess) or while it is still shutting down;
 * left alone it would keep the database and the API port, and the new control plane would fail on them.
 */
final class DataDirectoryClaim implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataDirectoryClaim.class);

    /** Held by the running {@code up}, under the data directory. */
    static final String LOCK_FILE = "up.lock";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryClaim(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dataDir} for this process, then stops any control plane still running on its
     * {@code controlPlaneDir}. Fails if another live {@code up} holds the directory.
     */
    static DataDirectoryClaim acquire(Path dataDir, Path controlPlaneDir) throws IOException, InterruptedException {
        Path lockFile = dataDir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("another regatta up is running on " + dataDir + " (it holds "
                    + lockFile + "); stop it first, or give this one another --data-dir");
        }
        DataDirectoryClaim claim = new DataDirectoryClaim(channel, lock);
        try {
            for (ProcessHandle leftover : controlPlanesOn(controlPlaneDir)) {
                log.warn("stopping the control plane (pid {}) that an earlier regatta up left running on {}; "
                        + "this up starts its own", leftover.pid(), controlPlaneDir);
                stop(leftover);
            }
        } catch (InterruptedException | RuntimeException e) {
            claim.close();
            throw e;
        }
        return claim;
    }

    /**
     * Java processes whose environment names {@code controlPlaneDir} as their {@code REGATTA_DATA_DIR}: how
     * ControlPlaneProcess starts them. Read from /proc; processes of other users are not readable and not ours.
     */
    static List<ProcessHandle> controlPlanesOn(Path controlPlaneDir) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(process -> process.pid() != self)
                .filter(process -> process.info().command()
                        .map(command -> Path.of(command).getFileName().toString()).filter("java"::equals)
                        .isPresent())
                .filter(process -> dataDirOf(process).filter(dir -> sameDirectory(dir, controlPlaneDir)).isPresent())
                .toList();
    }

    private static Optional<Path> dataDirOf(ProcessHandle process) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "environ"));
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // gone, or not this user's
        }
        String prefix = ControlPlaneProcess.DATA_DIR_VARIABLE + "=";
        for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
            if (entry.startsWith(prefix)) {
                return Optional.of(Path.of(entry.substring(prefix.length())));
            }
        }
        return Optional.empty();
    }

    private static boolean sameDirectory(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM lets it stop its PostgreSQL; SIGKILL if it hangs (its next start stops that PostgreSQL). */
    private static void stop(ProcessHandle process) throws InterruptedException {
        process.destroy();
        if (awaitExit(process)) {
            return;
        }
        log.warn("the control plane (pid {}) did not stop within {} of SIGTERM; killing it", process.pid(),
                STOP_TIMEOUT);
        process.destroyForcibly();
        if (!awaitExit(process)) {
            throw new IllegalStateException("the control plane (pid " + process.pid() + ") left running on this "
                    + "data directory survived SIGKILL; stop it by hand");
        }
    }

    private static boolean awaitExit(ProcessHandle process) throws InterruptedException {
        try {
            process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
