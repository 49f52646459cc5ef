package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.model.FileType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A file system that can be taken out of service while NFS calls run: once {@link #close} has begun, new calls
 * answer STALE, and {@code close} returns only when the calls already inside have returned, so that the stores
 * under the file system can then be closed safely (a closed RocksDB must never see another call). A replicated file
 * system is in service here only while this node leads its group: calls meanwhile answer JUKEBOX.
 */
public final class GatedFileSystem implements VirtualFileSystem {

    private static final long POLL_MILLIS = 5;

    private final Supplier<? extends VirtualFileSystem> current;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;

    public GatedFileSystem(VirtualFileSystem delegate) {
        this.current = () -> delegate;
    }

    private GatedFileSystem(Supplier<? extends VirtualFileSystem> current) {
        this.current = current;
    }

    /**
     * A gate in front of whatever {@code current} gives: the file system as this node serves it now, or null while
     * it does not (a member of a replication group serves only while it leads): calls meanwhile answer JUKEBOX (try
     * again soon), which a hard mount retries.
     */
    public static GatedFileSystem serving(Supplier<? extends VirtualFileSystem> current) {
        return new GatedFileSystem(current);
    }

    @FunctionalInterface
    private interface Call<T> {
        T run(VirtualFileSystem fs) throws FsException;
    }

    private <T> T pass(Call<T> call) throws FsException {
        inFlight.incrementAndGet();
        try {
            // Checked after counting ourselves in: close() sets the flag before it reads the count, so either it
            // waits for us or we see the flag.
            if (closing) {
                throw new FsException(FsError.STALE, "the file system is no longer served here");
            }
            VirtualFileSystem fs = current.get();
            if (fs == null) {
                throw new FsException(FsError.JUKEBOX, "this node does not lead the file system's replication"
                        + " group now");
            }
            return call.run(fs);
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
        VirtualFileSystem fs = current.get();
        return fs == null ? Namespace.ROOT_ID : fs.rootId();
    }

    @Override
    public long writeVerifier() {
        // Each leadership serves with a verifier of its own: a client resends what it wrote unstable before.
        VirtualFileSystem fs = current.get();
        return fs == null ? 0 : fs.writeVerifier();
    }

    @Override
    public boolean readOnly() {
        VirtualFileSystem fs = current.get();
        return fs != null && fs.readOnly();
    }

    @Override
    public Attributes getattr(long fileId) throws FsException {
        return pass(fs -> fs.getattr(fileId));
    }

    @Override
    public Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException {
        return pass(fs -> fs.setattr(caller, fileId, changes, guardCtimeNanos));
    }

    @Override
    public Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        return pass(fs -> fs.lookup(caller, directoryId, name));
    }

    @Override
    public Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        return pass(fs -> fs.access(caller, fileId, requested));
    }

    @Override
    public Results.Readlink readlink(Caller caller, long fileId) throws FsException {
        return pass(fs -> fs.readlink(caller, fileId));
    }

    @Override
    public Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        return pass(fs -> fs.read(caller, fileId, offset, count));
    }

    @Override
    public Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException {
        return pass(fs -> fs.write(caller, fileId, offset, data, stability));
    }

    @Override
    public Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                                  SetAttributes attributes, long verifier) throws FsException {
        return pass(fs -> fs.create(caller, directoryId, name, mode, attributes, verifier));
    }

    @Override
    public Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes)
            throws FsException {
        return pass(fs -> fs.mkdir(caller, directoryId, name, attributes));
    }

    @Override
    public Results.Created symlink(Caller caller, long directoryId, String name, String target,
                                   SetAttributes attributes) throws FsException {
        return pass(fs -> fs.symlink(caller, directoryId, name, target, attributes));
    }

    @Override
    public Results.Created mknod(Caller caller, long directoryId, String name, FileType type,
                                 SetAttributes attributes, int major, int minor) throws FsException {
        return pass(fs -> fs.mknod(caller, directoryId, name, type, attributes, major, minor));
    }

    @Override
    public Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        return pass(fs -> fs.remove(caller, directoryId, name));
    }

    @Override
    public Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        return pass(fs -> fs.rmdir(caller, directoryId, name));
    }

    @Override
    public Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId,
                                  String toName) throws FsException {
        return pass(fs -> fs.rename(caller, fromDirectoryId, fromName, toDirectoryId, toName));
    }

    @Override
    public Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException {
        return pass(fs -> fs.link(caller, fileId, directoryId, name));
    }

    @Override
    public Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier,
                                   int maxEntries, boolean withAttributes) throws FsException {
        return pass(fs -> fs.readdir(caller, directoryId, cookie, cookieVerifier, maxEntries,
                withAttributes));
    }

    @Override
    public Results.FsStat fsstat(long fileId) throws FsException {
        return pass(fs -> fs.fsstat(fileId));
    }

    @Override
    public Wcc commit(long fileId, long offset, int count) throws FsException {
        return pass(fs -> fs.commit(fileId, offset, count));
    }
}
