package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.model.FileType;
import java.nio.ByteBuffer;

/**
 * POSIX file system semantics over inodes, the one interface the protocol adapter calls. Every call is
 * complete when it returns: mutating calls are durable on local disk (except UNSTABLE writes, which COMMIT
 * makes durable) and visible to every other caller.
 *
 * <p>Inodes are named by their file ID; names are single path components (no '/', no NUL, at most
 * {@link #MAX_NAME_BYTES} bytes of UTF-8).
 */
public interface VirtualFileSystem {

    int MAX_NAME_BYTES = 255;

    /**
     * The largest file: S3's largest object (5 TiB), since each file is one object in the bucket. Larger sizes and
     * writes past it are FBIG, and FSINFO tells clients so.
     */
    long MAX_FILE_SIZE = 5L << 40;

    long rootId();

    /** Changes whenever the server restarts, so that clients resend unstable writes (RFC 1813, 3.3.7). */
    long writeVerifier();

    /** Throws STALE when the inode no longer exists. */
    Attributes getattr(long fileId) throws FsException;

    /** @param guardCtimeNanos when not null, the call fails with NOT_SYNC unless the inode's ctime equals it */
    Wcc setattr(Caller caller, long fileId, SetAttributes changes, Long guardCtimeNanos) throws FsException;

    Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException;

    /** @param requested ACCESS3 bits, see {@link Access} */
    Results.Access access(Caller caller, long fileId, int requested) throws FsException;

    Results.Readlink readlink(Caller caller, long fileId) throws FsException;

    Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException;

    Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data, Stability stability)
            throws FsException;

    /** @param verifier for EXCLUSIVE: the client's create verifier */
    Results.Created create(Caller caller, long directoryId, String name, CreateMode mode, SetAttributes attributes,
                           long verifier) throws FsException;

    Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes) throws FsException;

    Results.Created symlink(Caller caller, long directoryId, String name, String target, SetAttributes attributes)
            throws FsException;

    /** Makes a FIFO, socket or device node; the device numbers matter only for devices. */
    Results.Created mknod(Caller caller, long directoryId, String name, FileType type, SetAttributes attributes,
                          int major, int minor) throws FsException;

    Wcc remove(Caller caller, long directoryId, String name) throws FsException;

    Wcc rmdir(Caller caller, long directoryId, String name) throws FsException;

    Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId, String toName)
            throws FsException;

    Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException;

    /**
     * Lists a directory from just after {@code cookie} (0 = the start), at most {@code maxEntries} entries,
     * "." and ".." included at the start.
     *
     * @param cookieVerifier the verifier returned with the cookie, or 0
     * @param withAttributes whether each entry carries its attributes (READDIRPLUS)
     */
    Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier, int maxEntries,
                            boolean withAttributes) throws FsException;

    Results.FsStat fsstat(long fileId) throws FsException;

    /** Makes every write to the file so far durable. */
    Wcc commit(long fileId, long offset, int count) throws FsException;

    /** Whether this file system refuses every change (a read-only export). */
    boolean readOnly();
}
