package dev.regatta.mount.watchdog;

import dev.regatta.mount.host.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * {@code <state_dir>/watchdog.lock}: whoever holds it is the one watchdog of this machine. The kernel releases it
 * when the holder dies, so a crashed watchdog never blocks the next one.
 */
public final class WatchdogLock {

    private final Path file;

    public WatchdogLock(Path stateDir) {
        this.file = stateDir.resolve("watchdog.lock");
    }

    /** A held lock, released when closed. */
    public static final class Held implements AutoCloseable {
        private final FileChannel channel;

        private Held(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    public Optional<Held> tryAcquire() throws IOException {
        AtomicFiles.directory(file.getParent(), AtomicFiles.OWNER_ONLY_DIRECTORY);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new Held(channel));
            }
        } catch (OverlappingFileLockException e) {
            // this JVM holds it already (a test running the watchdog in-process): it is taken all the same
        }
        channel.close();
        return Optional.empty();
    }

    /** Whether a watchdog holds the lock right now. */
    public boolean isHeld() throws IOException {
        Optional<Held> held = tryAcquire();
        if (held.isPresent()) {
            held.get().close();
            return false;
        }
        return true;
    }
}
