package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.meta.ReadTransaction;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What every file system operation asks of the metadata before it acts: the inode or STALE, a directory or NOTDIR,
 * a name that is valid and fits PATH_MAX, and the attributes a reply carries. Shared by the rooms of the file
 * system ({@link Names}, {@link Contents}), so each check has one wording.
 */
final class Inodes {

    /** Linux's PATH_MAX: a path from the file system's root, with its leading '/' and its terminating NUL. */
    private static final int MAX_PATH_BYTES = 4096;

    private final long fsid;

    Inodes(long fsid) {
        this.fsid = fsid;
    }

    Attributes attributes(Inode inode) {
        long used = inode.present().totalLength();
        if (inode.type() == FileType.REGULAR) {
            used = Math.max(used, inode.size());
        }
        return new Attributes(inode.type(), inode.mode() & 07777, inode.nlink(), inode.uid(), inode.gid(),
                inode.isDirectory() ? 4096 : inode.size(), used, inode.rdevMajor(), inode.rdevMinor(), fsid, inode.id(),
                inode.atimeNanos(), inode.mtimeNanos(), inode.ctimeNanos());
    }

    static Inode inode(ReadTransaction tx, long id) throws FsException {
        Inode inode = tx.inode(id);
        if (inode == null) {
            throw new FsException(FsError.STALE, "inode " + id + " no longer exists");
        }
        return inode;
    }

    static Inode directory(ReadTransaction tx, long id) throws FsException {
        Inode inode = inode(tx, id);
        if (!inode.isDirectory()) {
            throw new FsException(FsError.NOTDIR, "inode " + id + " is not a directory");
        }
        return inode;
    }

    static MetadataStore.Entry entry(ReadTransaction tx, long directoryId, String name) throws FsException {
        MetadataStore.Entry e = tx.lookup(directoryId, name);
        if (e == null) {
            throw new FsException(FsError.NOENT, name);
        }
        return e;
    }

    static void requireAbsent(ReadTransaction tx, long directoryId, String name) throws FsException {
        if (tx.lookup(directoryId, name) != null) {
            throw new FsException(FsError.EXIST, name);
        }
    }

    /** The parent of a directory (the root is its own). */
    static long parentOf(Inode dir) {
        return dir.id() == Namespace.ROOT_ID ? dir.id() : dir.links().get(0).parentId();
    }

    /**
     * A new name's path, from the file system's root, must fit PATH_MAX as on Linux. S3's key limit does not count:
     * a path whose key would not fit is stored in the long form (see KeyCodec). Entries below a renamed directory
     * may end up deeper than PATH_MAX, as on Linux, where they stay reachable by relative paths.
     */
    static void checkPathLength(ReadTransaction tx, Inode dir, String name) throws FsException {
        String parent = Namespace.directoryPath(tx, dir);
        String path = parent == null || parent.isEmpty() ? name : parent + "/" + name;
        if (1 + path.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_PATH_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "the path would exceed PATH_MAX (4096 bytes with its NUL)");
        }
    }

    static void checkName(String name) throws FsException {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FsException(FsError.INVAL, "invalid name");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new FsException(FsError.INVAL, "a name may not contain '/' or NUL");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > VirtualFileSystem.MAX_NAME_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "a name is at most 255 bytes");
        }
    }

    static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
