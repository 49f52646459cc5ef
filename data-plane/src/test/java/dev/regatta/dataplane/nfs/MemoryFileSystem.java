package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.cache.BufferPool;
import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.fs.Wcc;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A small in-memory file system for protocol tests: no permissions, cookies are file ids + 2. */
public final class MemoryFileSystem implements VirtualFileSystem {

    /** Who the server said made the last CREATE, for tests of how callers are mapped. */
    public volatile Caller lastCreator;

    private static final class Inode {
        final long id;
        final FileType type;
        int mode;
        int uid;
        int gid;
        int nlink = 1;
        long parent;
        byte[] data = new byte[0];
        String target = "";
        long verifier;
        long atime = 1_700_000_000_123_456_789L;
        long mtime = atime;
        long ctime = atime;
        final TreeMap<String, Long> children = new TreeMap<>();

        Inode(long id, FileType type, int mode, long parent) {
            this.id = id;
            this.type = type;
            this.mode = mode;
            this.parent = parent;
        }
    }

    private final Map<Long, Inode> inodes = new HashMap<>();
    private final boolean readOnly;
    private long next = 2;
    public volatile RuntimeException failNextGetattr;
    /** When set, READs return their bytes in buffers lent by this pool, as the read path does. */
    public volatile BufferPool lendReadsFrom;

    public MemoryFileSystem(boolean readOnly) {
        this.readOnly = readOnly;
        Inode root = new Inode(1, FileType.DIRECTORY, 0755, 1);
        root.nlink = 2;
        inodes.put(1L, root);
    }

    @Override
    public long rootId() {
        return 1;
    }

    @Override
    public long writeVerifier() {
        return 0x1122334455667788L;
    }

    private Inode inode(long id) throws FsException {
        Inode i = inodes.get(id);
        if (i == null) {
            throw new FsException(FsError.STALE, "no inode " + id);
        }
        return i;
    }

    private Inode dir(long id) throws FsException {
        Inode d = inode(id);
        if (d.type != FileType.DIRECTORY) {
            throw new FsException(FsError.NOTDIR, "not a directory");
        }
        return d;
    }

    private Attributes attrs(Inode i) {
        long size = i.type == FileType.DIRECTORY ? 4096 : i.type == FileType.SYMLINK ? i.target.length() : i.data.length;
        return new Attributes(i.type, i.mode, i.nlink, i.uid, i.gid, size, size, 0, 0, 1, i.id, i.atime, i.mtime,
                i.ctime);
    }

    private Wcc change(Inode i, Runnable r) {
        var before = attrs(i).wcc();
        r.run();
        i.mtime += 1000;
        i.ctime = i.mtime;
        return new Wcc(before, attrs(i));
    }

    @Override
    public synchronized Attributes getattr(long fileId) throws FsException {
        RuntimeException f = failNextGetattr;
        if (f != null) {
            failNextGetattr = null;
            throw f;
        }
        return attrs(inode(fileId));
    }

    @Override
    public synchronized Wcc setattr(Caller caller, long fileId, SetAttributes c, Long guard) throws FsException {
        Inode i = inode(fileId);
        if (guard != null && guard != i.ctime) {
            throw new FsException(FsError.NOT_SYNC, "guard");
        }
        return change(i, () -> {
            if (c.mode() != null) {
                i.mode = c.mode();
            }
            if (c.size() != null) {
                i.data = Arrays.copyOf(i.data, (int) (long) c.size());
            }
        });
    }

    @Override
    public synchronized Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        Inode d = dir(directoryId);
        Long id = name.equals(".") ? Long.valueOf(d.id) : name.equals("..") ? Long.valueOf(d.parent) : d.children.get(name);
        if (id == null) {
            throw new FsException(FsError.NOENT, name);
        }
        return new Results.Lookup(id, attrs(inode(id)), attrs(d));
    }

    @Override
    public synchronized Results.Access access(Caller caller, long fileId, int requested) throws FsException {
        return new Results.Access(requested, attrs(inode(fileId)));
    }

    @Override
    public synchronized Results.Readlink readlink(Caller caller, long fileId) throws FsException {
        Inode i = inode(fileId);
        if (i.type != FileType.SYMLINK) {
            throw new FsException(FsError.INVAL, "not a symlink");
        }
        return new Results.Readlink(i.target, attrs(i));
    }

    @Override
    public synchronized Results.Read read(Caller caller, long fileId, long offset, int count) throws FsException {
        Inode i = inode(fileId);
        if (i.type == FileType.DIRECTORY) {
            throw new FsException(FsError.ISDIR, "directory");
        }
        int from = (int) Math.min(offset, i.data.length);
        int to = (int) Math.min((long) from + count, i.data.length);
        BufferPool pool = lendReadsFrom;
        if (pool != null) {
            BufferPool.Loan loan = pool.lend(to - from);
            loan.bytes().put(i.data, from, to - from).flip();
            return new Results.Read(loan, to == i.data.length, attrs(i));
        }
        return new Results.Read(ByteBuffer.wrap(Arrays.copyOfRange(i.data, from, to)), to == i.data.length, attrs(i));
    }

    @Override
    public synchronized Results.Written write(Caller caller, long fileId, long offset, ByteBuffer data,
                                              Stability stability) throws FsException {
        Inode i = inode(fileId);
        int n = data.remaining();
        Wcc w = change(i, () -> {
            if (offset + n > i.data.length) {
                i.data = Arrays.copyOf(i.data, (int) (offset + n));
            }
            data.get(i.data, (int) offset, n);
        });
        return new Results.Written(n, Stability.FILE_SYNC, w);
    }

    private Results.Created make(long directoryId, String name, FileType type, SetAttributes a, boolean exclusive,
                                 long verifier) throws FsException {
        Inode d = dir(directoryId);
        Long existing = d.children.get(name);
        if (existing != null) {
            Inode e = inode(existing);
            if (exclusive && e.verifier == verifier) {
                return new Results.Created(e.id, attrs(e), new Wcc(attrs(d).wcc(), attrs(d)));
            }
            throw new FsException(FsError.EXIST, name);
        }
        Inode i = new Inode(next++, type, a.mode() == null ? 0644 : a.mode(), d.id);
        i.verifier = verifier;
        inodes.put(i.id, i);
        Wcc w = change(d, () -> d.children.put(name, i.id));
        return new Results.Created(i.id, attrs(i), w);
    }

    @Override
    public synchronized Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                                               SetAttributes attributes, long verifier) throws FsException {
        lastCreator = caller;
        Inode d = dir(directoryId);
        Long existing = d.children.get(name);
        if (existing != null && mode == CreateMode.UNCHECKED) {
            Inode e = inode(existing);
            return new Results.Created(e.id, attrs(e), new Wcc(attrs(d).wcc(), attrs(d)));
        }
        return make(directoryId, name, FileType.REGULAR, attributes, mode == CreateMode.EXCLUSIVE, verifier);
    }

    @Override
    public synchronized Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes a)
            throws FsException {
        return make(directoryId, name, FileType.DIRECTORY, a, false, 0);
    }

    @Override
    public synchronized Results.Created symlink(Caller caller, long directoryId, String name, String target,
                                                SetAttributes a) throws FsException {
        Results.Created c = make(directoryId, name, FileType.SYMLINK, a, false, 0);
        inodes.get(c.fileId()).target = target;
        return new Results.Created(c.fileId(), attrs(inodes.get(c.fileId())), c.directory());
    }

    @Override
    public synchronized Results.Created mknod(Caller caller, long directoryId, String name, FileType type,
                                              SetAttributes a, int major, int minor) throws FsException {
        return make(directoryId, name, type, a, false, 0);
    }

    private Wcc unlink(long directoryId, String name, boolean wantDir) throws FsException {
        Inode d = dir(directoryId);
        Long id = d.children.get(name);
        if (id == null) {
            throw new FsException(FsError.NOENT, name);
        }
        Inode i = inode(id);
        if (wantDir != (i.type == FileType.DIRECTORY)) {
            throw new FsException(wantDir ? FsError.NOTDIR : FsError.ISDIR, name);
        }
        if (wantDir && !i.children.isEmpty()) {
            throw new FsException(FsError.NOTEMPTY, name);
        }
        if (--i.nlink <= 0 || wantDir) {
            inodes.remove(id);
        }
        return change(d, () -> d.children.remove(name));
    }

    @Override
    public synchronized Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        return unlink(directoryId, name, false);
    }

    @Override
    public synchronized Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        return unlink(directoryId, name, true);
    }

    @Override
    public synchronized Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName,
                                               long toDirectoryId, String toName) throws FsException {
        Inode from = dir(fromDirectoryId);
        Inode to = dir(toDirectoryId);
        Long id = from.children.get(fromName);
        if (id == null) {
            throw new FsException(FsError.NOENT, fromName);
        }
        Wcc f = change(from, () -> from.children.remove(fromName));
        Wcc t = change(to, () -> to.children.put(toName, id));
        inode(id).parent = to.id;
        return new Results.Renamed(f, t);
    }

    @Override
    public synchronized Results.Linked link(Caller caller, long fileId, long directoryId, String name)
            throws FsException {
        Inode i = inode(fileId);
        Inode d = dir(directoryId);
        if (d.children.containsKey(name)) {
            throw new FsException(FsError.EXIST, name);
        }
        i.nlink++;
        Wcc w = change(d, () -> d.children.put(name, fileId));
        return new Results.Linked(attrs(i), w);
    }

    @Override
    public synchronized Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier,
                                                int maxEntries, boolean withAttributes) throws FsException {
        Inode d = dir(directoryId);
        List<Results.DirEntry> all = new ArrayList<>();
        all.add(new Results.DirEntry(".", d.id, 1, withAttributes ? attrs(d) : null));
        all.add(new Results.DirEntry("..", d.parent, 2, withAttributes ? attrs(inode(d.parent)) : null));
        TreeMap<Long, String> byId = new TreeMap<>();
        d.children.forEach((n, id) -> byId.put(id, n));
        byId.forEach((id, n) -> all.add(new Results.DirEntry(n, id, id + 2,
                withAttributes ? attrs(inodes.get(id)) : null)));
        List<Results.DirEntry> out = new ArrayList<>();
        boolean eof = true;
        for (Results.DirEntry e : all) {
            if (e.cookie() <= cookie) {
                continue;
            }
            if (out.size() == maxEntries) {
                eof = false;
                break;
            }
            out.add(e);
        }
        return new Results.Listing(out, eof, 42, attrs(d));
    }

    @Override
    public synchronized Results.FsStat fsstat(long fileId) throws FsException {
        return new Results.FsStat(1L << 40, 1L << 39, 1L << 39, 1000, 900, 900, attrs(inode(fileId)));
    }

    @Override
    public synchronized Wcc commit(long fileId, long offset, int count) throws FsException {
        Attributes a = attrs(inode(fileId));
        return new Wcc(a.wcc(), a);
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }
}
