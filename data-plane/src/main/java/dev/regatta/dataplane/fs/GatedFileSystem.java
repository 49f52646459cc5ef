package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.model.FileType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file system that can be taken out of service while NFS calls run: once {@link #close} has begun, new calls
 * answer STALE, and {@code close} returns only when the calls already inside have returned, so that the stores
 * under the file system can then be closed safely (a closed RocksDB must never see another call).
 */
public final class GatedFileSystem implements VirtualFileSystem {

    private static final long POLL_MILLIS = 5;

    private final VirtualFileSystem delegate;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;

    public GatedFileSystem(VirtualFileSystem delegate) {
        this.delegate = delegate;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws FsException;
    }

    private <T> T pass(Call<T> call) throws FsException {
        inFlight.incrementAndGet();
        try {
            // Checked after counting ourselves in: close() sets the flag before it reads the count, so either it
            // waits for us or we see the flag.
            if (closing) {
                throw new FsException(FsError.STALE, "the file system is no longer served here");
            }
            return call.run();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Refuses new calls and waits until the calls in flight have returned.
     *
     * @return false when some were still running after {@code timeout}
     */
    public boolean close(Duration timeout) throws InterruptedException {
        closing = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }

    /** Calls running right now. */
    public int callsInFlight() {
        return inFlight.get();
    }

    @Override
    public long rootId() {
        return delegate.rootId();
    }

    @Override
    public long writeVerifier() {
        return delegate.writeVerifier();
    }

    @Override
    public boolean readOnly() {
        return delegate.readOnly();
    }

    @Override
    public Attributes getattr(long fileId) throws FsException {
        return pass(() -> delegate.getattr(fileId));
    }

    @Override
    public Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException {
        return pass(() -> delegate.setattr(caller, fileId, changes, guardCtimeNanos));
    }

    @Override
    public Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        return pass(() -> delegate.lookup(caller, directoryId, name));
    }

    @Override
    public Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        return pass(() -> delegate.access(caller, fileId, requested));
    }

    @Override
    public Results.Readlink readlink(Caller caller, long fileId) throws FsException {
        return pass(() -> delegate.readlink(caller, fileId));
    }

    @Override
    public Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        return pass(() -> delegate.read(caller, fileId, offset, count));
    }

    @Override
    public Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException {
        return pass(() -> delegate.write(caller, fileId, offset, data, stability));
    }

    @Override
    public Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                                  SetAttributes attributes, long verifier) throws FsException {
        return pass(() -> delegate.create(caller, directoryId, name, mode, attributes, verifier));
    }

    @Override
    public Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes)
            throws FsException {
        return pass(() -> delegate.mkdir(caller, directoryId, name, attributes));
    }

    @Override
    public Results.Created symlink(Caller caller, long directoryId, String name, String target,
                                   SetAttributes attributes) throws FsException {
        return pass(() -> delegate.symlink(caller, directoryId, name, target, attributes));
    }

    @Override
    public Results.Created mknod(Caller caller, long directoryId, String name, FileType type,
                                 SetAttributes attributes, int major, int minor) throws FsException {
        return pass(() -> delegate.mknod(caller, directoryId, name, type, attributes, major, minor));
    }

    @Override
    public Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        return pass(() -> delegate.remove(caller, directoryId, name));
    }

    @Override
    public Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        return pass(() -> delegate.rmdir(caller, directoryId, name));
    }

    @Override
    public Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId,
                                  String toName) throws FsException {
        return pass(() -> delegate.rename(caller, fromDirectoryId, fromName, toDirectoryId, toName));
    }

    @Override
    public Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException {
        return pass(() -> delegate.link(caller, fileId, directoryId, name));
    }

    @Override
    public Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier,
                                   int maxEntries, boolean withAttributes) throws FsException {
        return pass(() -> delegate.readdir(caller, directoryId, cookie, cookieVerifier, maxEntries,
                withAttributes));
    }

    @Override
    public Results.FsStat fsstat(long fileId) throws FsException {
        return pass(() -> delegate.fsstat(fileId));
    }

    @Override
    public Wcc commit(long fileId, long offset, int count) throws FsException {
        return pass(() -> delegate.commit(fileId, offset, count));
    }
}
