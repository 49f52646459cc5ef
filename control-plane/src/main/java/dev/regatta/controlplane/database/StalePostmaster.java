package dev.regatta.controlplane.database;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
 * Clears the embedded PostgreSQL's data directory of a server that outlived its control plane. The embedded
 * library stops its server from a JVM shutdown hook, which a control plane killed with SIGKILL (or by the kernel's
 * out-of-memory killer) never runs: the postmaster then keeps running, and the next start would fail on
 * PostgreSQL's lock file ({@code postmaster.pid}). A control plane that is still alive holds the library's own lock
 * file ({@code epg-lock}) and is refused instead: two control planes must never share one database directory.
 */
final class StalePostmaster {

    private static final Logger log = LoggerFactory.getLogger(StalePostmaster.class);

    /** The embedded library's lock, held by the JVM that runs the server (released by the kernel when it dies). */
    static final String LIBRARY_LOCK = "epg-lock";
    /** PostgreSQL's own: its first line is the postmaster's PID, its second the data directory. */
    static final String POSTMASTER_PID = "postmaster.pid";

    /** A smart shutdown has no client to wait for (the dead JVM's connections closed with it). */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private StalePostmaster() {
    }

    /**
     * Stops a postmaster left running on {@code dataDir} by a control plane that is gone, and fails if a live
     * control plane still uses {@code dataDir}.
     */
    static void clear(Path dataDir) throws IOException, InterruptedException {
        Path dir = dataDir.toAbsolutePath();
        ensureNoLiveOwner(dir);
        Path pidFile = dir.resolve(POSTMASTER_PID);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        long pid;
        try {
            pid = lines.isEmpty() ? -1 : Long.parseLong(lines.getFirst().strip());
        } catch (NumberFormatException e) {
            return; // PostgreSQL reports a malformed lock file itself
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return; // PostgreSQL removes a lock file whose process is gone
        }
        if (!isPostmasterOf(process.get(), dir)) {
            // The PID was reused by an unrelated process: PostgreSQL would refuse to start on a live PID.
            log.warn("{} names pid {}, which is not a PostgreSQL on {} (the PID was reused); removing the stale "
                    + "lock file", pidFile, pid, dir);
            Files.delete(pidFile);
            return;
        }
        log.warn("stopping PostgreSQL (pid {}) left running on {} by a control plane that ended without stopping "
                + "it", pid, dir);
        stop(process.get());
    }

    private static void ensureNoLiveOwner(Path dir) throws IOException {
        Path lockFile = dir.resolve(LIBRARY_LOCK);
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the database directory " + dir + " is in use by another "
                        + "running control plane (it holds " + lockFile + "); stop that one first, or give this "
                        + "one another regatta.data-dir");
            }
            lock.release();
        }
    }

    /** The server process on {@code dir}: PostgreSQL's binary, started with {@code -D dir}. */
    static boolean isPostmasterOf(ProcessHandle process, Path dir) {
        ProcessHandle.Info info = process.info();
        boolean postgres = info.command().map(command -> Path.of(command).getFileName().toString())
                .filter("postgres"::equals).isPresent();
        return postgres && info.arguments().map(List::of).orElse(List.of()).contains(dir.toString());
    }

    private static void stop(ProcessHandle postmaster) throws InterruptedException {
        List<ProcessHandle> backends = postmaster.descendants().toList();
        postmaster.destroy(); // SIGTERM: a smart shutdown, with a checkpoint
        if (awaitExit(postmaster, STOP_TIMEOUT)) {
            return;
        }
        log.warn("PostgreSQL (pid {}) did not stop within {} of SIGTERM; killing it and its {} processes",
                postmaster.pid(), STOP_TIMEOUT, backends.size());
        postmaster.destroyForcibly();
        backends.forEach(ProcessHandle::destroyForcibly);
        awaitExit(postmaster, STOP_TIMEOUT);
        for (ProcessHandle backend : backends) {
            awaitExit(backend, STOP_TIMEOUT);
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) throws InterruptedException {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }
}
