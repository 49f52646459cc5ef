package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One inode as the metadata store keeps it: POSIX attributes, where it lives in the namespace, what of it is in
 * the local cache, and how it stands against the bucket. Its state changes only through the operations below, each
 * named for what happened and keeping the facts that belong together consistent (a write moves the size, both
 * range sets, the times and the dirty flag at once), so that every change of the file system is a short list of
 * such operations inside one {@link WriteTransaction}: the input a replicated log will carry later. Callers change a
 * copy read in a transaction and put it back; the version counter is the store's ({@link WriteTransaction#putInode}).
 */
public final class Inode {

    /** One name of the inode: a directory entry in {@code parentId}. Directories have exactly one. */
    public record Link(long parentId, String name) {
    }

    /**
     * The stored record's format. 2: the type as its explicit code. 1 (still read, never written): the type as its
     * enum position. A later change of layout adds a format here and keeps reading the older ones.
     */
    static final int FORMAT = 2;
    static final int FORMAT_ENUM_ORDER = 1;

    /** The bound of {@link #dirtyRanges}: a 4 KiB record at most, and exact for files written in fewer places. */
    static final int MAX_DIRTY_RANGES = 256;

    private static final int PERMISSION_BITS = 07777;
    private static final int SET_ID_BITS = 06000;

    private long id;
    private FileType type;
    /** Permission bits only (07777). */
    private int mode;
    private int uid;
    private int gid;
    private long size;
    private long atimeNanos;
    private long mtimeNanos;
    private long ctimeNanos;
    private int rdevMajor;
    private int rdevMinor;
    private final List<Link> links = new ArrayList<>();
    /** For directories: how many subdirectories, for nlink. */
    private int subdirectories;
    /** For directories: the cookie the next new entry gets (cookies 1 and 2 are "." and ".."). */
    private long nextCookie = 3;
    private String symlinkTarget;
    /** The EXCLUSIVE create verifier this file was made with, or 0. */
    private long createVerifier;

    // --- against the bucket ---
    /** Keys that hold this inode's current content as of the last successful sync. */
    private final List<String> syncedKeys = new ArrayList<>();
    /** The ETag of the object at the synced keys; bytes not in the cache are read from it. */
    private String baseEtag;
    /** Length of that object. */
    private long baseLength;
    /** Set when the bytes changed since the last upload. */
    private boolean contentDirty;
    /** Set when attributes or names changed since the last sync. */
    private boolean attributesDirty;
    /** Incremented on every change, so that a sync finishing late can tell it raced a change. */
    private long version;
    /** Imported from a listing; attributes still to be read with a HEAD. */
    private boolean needsHead;
    /** When the last sync of this inode finished (epoch millis), so a listing taken earlier is not trusted. */
    private long syncedAtMillis;
    /** For directories: when the bucket was last listed under it, epoch millis (0: never). */
    private long listedAtMillis;

    // --- in the local cache ---
    /** Bytes held in the cache file. */
    private RangeSet present = new RangeSet();
    /**
     * Bytes that may have changed here since the last upload: every changed byte, and where more than {@link
     * #MAX_DIRTY_RANGES} ranges would be needed, the gaps between the nearest of them too ({@link RangeSet#coarsen}).
     * The upload reads it by part (5 MiB at least: a part none of it touches is copied in the bucket, not sent), so an
     * exact set buys nothing there, while a file written at random would otherwise carry thousands of ranges in
     * every write's record (the random-write profile: 65% of a WRITE's CPU re-encoding and copying them). A joined
     * gap need not be in {@link #present}: the upload fills what is missing from the object first.
     */
    private RangeSet dirtyRanges = new RangeSet();

    private Inode() {
    }

    private Inode(long id, FileType type, int permissions, int uid, int gid, long timeNanos) {
        this.id = id;
        this.type = type;
        this.mode = permissions & PERMISSION_BITS;
        this.uid = uid;
        this.gid = gid;
        this.atimeNanos = timeNanos;
        this.mtimeNanos = timeNanos;
        this.ctimeNanos = timeNanos;
    }

    // ------------------------------------------------------------------ creating

    /**
     * An inode made here (CREATE, MKDIR, SYMLINK, MKNOD): all three times now, and not in the bucket yet, so its
     * content is dirty from the start.
     */
    public static Inode newLocal(long id, FileType type, int permissions, int uid, int gid, long nowNanos) {
        Inode inode = new Inode(id, type, permissions, uid, gid, nowNanos);
        inode.contentDirty = true;
        return inode;
    }

    /** The root directory of a new file system: root's, 0755, and clean, since the bucket itself is its object. */
    public static Inode newRoot(long nowNanos) {
        return new Inode(Namespace.ROOT_ID, FileType.DIRECTORY, 0755, 0, 0, nowNanos);
    }

    /**
     * An inode for an object or a prefix found in a listing, with the default attributes until a HEAD reads its
     * own ({@link #adoptObject}, {@link #adoptMarker}); clean, since the bucket has it.
     */
    public static Inode imported(long id, FileType type, int permissions, int uid, int gid, long mtimeNanos) {
        return new Inode(id, type, permissions, uid, gid, mtimeNanos);
    }

    /** EXCLUSIVE CREATE: the verifier a replay of the call must bring. */
    public void rememberCreateVerifier(long verifier) {
        createVerifier = verifier;
    }

    /** MKNOD: the device a special file stands for. */
    public void setDevice(int major, int minor) {
        rdevMajor = major;
        rdevMinor = minor;
    }

    /** A new symbolic link: its target is also its data (the object's body in the bucket), all written here. */
    public void symlinkTo(String target) {
        requireType(FileType.SYMLINK);
        long length = target.getBytes(StandardCharsets.UTF_8).length;
        symlinkTarget = target;
        size = length;
        present.add(0, length);
        dirtyRanges.add(0, length);
    }

    /** The target of an imported symbolic link, read from its object's body; a cache of the data, not a change. */
    public void learnSymlinkTarget(String target) {
        symlinkTarget = target;
    }

    // ------------------------------------------------------------------ names

    public void addLink(long parentId, String name) {
        links.add(new Link(parentId, name));
    }

    public void removeLink(long parentId, String name) {
        links.remove(new Link(parentId, name));
    }

    /**
     * A directory got an entry: it takes the next cookie (cookies are never reused, so a reader's place stays
     * valid) and, for a subdirectory, counts it for nlink. Returns the entry's cookie.
     */
    public long entryAdded(boolean subdirectory) {
        requireType(FileType.DIRECTORY);
        if (subdirectory) {
            subdirectories++;
        }
        return nextCookie++;
    }

    /** A directory lost an entry; a subdirectory no longer counts for nlink. */
    public void entryRemoved(boolean subdirectory) {
        requireType(FileType.DIRECTORY);
        if (subdirectory) {
            subdirectories--;
        }
    }

    // ------------------------------------------------------------------ attributes

    /** Sets the permission bits; anything beyond them (a file type's bits) is not a permission and is dropped. */
    public void chmod(int permissions) {
        mode = permissions & PERMISSION_BITS;
    }

    /** Gives the inode to {@code newUid}; returns whether the owner changed (who then drops set-id bits is POSIX's). */
    public boolean chown(int newUid) {
        boolean changed = newUid != uid;
        uid = newUid;
        return changed;
    }

    /** Gives the inode to group {@code newGid}; returns whether the group changed. */
    public boolean chgrp(int newGid) {
        boolean changed = newGid != gid;
        gid = newGid;
        return changed;
    }

    /** Drops setuid and setgid, as a write, a truncate or a change of owner by someone does on a local file system. */
    public void dropSetIds() {
        mode &= ~SET_ID_BITS;
    }

    public void setAtime(long nanos) {
        atimeNanos = nanos;
    }

    public void setMtime(long nanos) {
        mtimeNanos = nanos;
    }

    /** Its attributes or names changed: ctime moves, and the change is due for the bucket. */
    public void changed(long nowNanos) {
        ctimeNanos = nowNanos;
        attributesDirty = true;
    }

    /** A directory's entries changed: mtime and ctime move (its object, a marker, carries no list of them). */
    public void modified(long nowNanos) {
        mtimeNanos = nowNanos;
        ctimeNanos = nowNanos;
    }

    // ------------------------------------------------------------------ data

    /**
     * Bytes [offset, end) were written to the cache file. A write past the end also makes the gap up to it part of
     * the file (zeros, written here): present and changed, like the bytes themselves.
     */
    public void write(long offset, long end, long nowNanos) {
        long from = Math.min(offset, size);
        present.add(from, end);
        dirtyRanges.add(from, end);
        dirtyRanges.coarsen(MAX_DIRTY_RANGES);
        size = Math.max(size, end);
        mtimeNanos = nowNanos;
        ctimeNanos = nowNanos;
        contentDirty = true;
    }

    /**
     * The file is {@code newSize} bytes now (the cache file was cut first): a cut part leaves both range sets and no
     * longer comes from the object; a grown part reads as zeros and counts as written.
     */
    public void resize(long newSize) {
        if (newSize < size) {
            present.truncate(newSize);
            dirtyRanges.truncate(newSize);
            baseLength = Math.min(baseLength, newSize);
        } else if (newSize > size) {
            present.add(size, newSize);
            dirtyRanges.add(size, newSize);
            dirtyRanges.coarsen(MAX_DIRTY_RANGES);
        }
        if (newSize != size) {
            size = newSize;
            contentDirty = true;
        }
    }

    /** Bytes [start, end) of the object arrived in the cache file. */
    public void cached(long start, long end) {
        present.add(start, end);
    }

    /** The cache file went (eviction of a clean inode): every byte comes from the object again. */
    public void cacheDropped() {
        present.clear();
    }

    // ------------------------------------------------------------------ against the bucket

    /** The inode is the object listed at {@code key}: its size, ETag and time; its attributes wait for a HEAD. */
    public void adoptObject(String key, String etag, long objectSize, long lastModifiedMillis) {
        awaitHead(key, etag);
        size = objectSize;
        baseLength = objectSize;
        long nanos = lastModifiedMillis * 1_000_000L;
        mtimeNanos = nanos;
        ctimeNanos = nanos;
    }

    /**
     * The object of a clean inode changed through S3: it takes the new one, and what it held of the old (cached
     * bytes, a symlink target read from them) is no longer its content.
     */
    public void replaceByObject(String key, String etag, long objectSize, long lastModifiedMillis) {
        if (isDirty()) {
            throw new IllegalStateException("inode " + id + " has unsynced changes; the listing must not replace them");
        }
        adoptObject(key, etag, objectSize, lastModifiedMillis);
        present.clear();
        dirtyRanges.clear();
        symlinkTarget = null;
    }

    /** A directory's marker object at {@code key} (ETag unknown: null): it carries the attributes, a HEAD tells. */
    public void adoptMarker(String key, String etag) {
        requireType(FileType.DIRECTORY);
        awaitHead(key, etag);
    }

    private void awaitHead(String key, String etag) {
        baseEtag = etag;
        syncedKeys.clear();
        syncedKeys.add(key);
        needsHead = true;
    }

    /**
     * The attributes a HEAD read from the object. A file's object may say it is a symlink or a special file; a
     * directory stays one, and a file never becomes one. ctime never goes back.
     */
    public void headApplied(FileType objectType, int permissions, int owner, int group, long objectMtimeNanos,
                            int major, int minor) {
        if (!isDirectory() && objectType != FileType.DIRECTORY) {
            type = objectType;
        }
        mode = permissions & PERMISSION_BITS;
        uid = owner;
        gid = group;
        mtimeNanos = objectMtimeNanos;
        ctimeNanos = Math.max(ctimeNanos, objectMtimeNanos);
        rdevMajor = major;
        rdevMinor = minor;
        needsHead = false;
    }

    /** The HEAD found no object: defaults stand; a directory only implied by keys below it has no marker yet. */
    public void headMissing() {
        if (isDirectory()) {
            syncedKeys.clear();
        }
        needsHead = false;
    }

    /** The name's object was deleted through S3 (the listing no longer shows it): the key is no longer ours. */
    public void forgetKey(String key) {
        syncedKeys.remove(key);
    }

    /**
     * A sync finished: the bucket holds {@code synced} (this inode as it was read before the sync) at {@code keys},
     * the first object with {@code etag}. If nothing changed since, the inode is clean; if something did, it stays
     * dirty for another round. Returns whether it is clean.
     *
     * @param uploaded whether the content was sent (rather than the object copied or its metadata replaced)
     */
    public boolean recordSync(Inode synced, List<String> keys, String etag, boolean uploaded, long nowMillis) {
        syncedKeys.clear();
        syncedKeys.addAll(keys);
        syncedAtMillis = nowMillis;
        baseEtag = etag;
        if (uploaded) {
            baseLength = synced.size;
        }
        if (version != synced.version) {
            return false;
        }
        contentDirty = false;
        attributesDirty = false;
        dirtyRanges.clear();
        return true;
    }

    /** The bucket was listed under this directory at {@code millis}. */
    public void listed(long millis) {
        listedAtMillis = millis;
    }

    /** The next access lists the directory again (an object below changed or vanished). */
    public void invalidateListing() {
        listedAtMillis = 0;
    }

    /** Counts a change; the store's {@link MetadataStore.Batch#putInode} does, and nothing else. */
    void nextVersion() {
        version++;
    }

    private void requireType(FileType expected) {
        if (type != expected) {
            throw new IllegalStateException("inode " + id + " is a " + type + ", not a " + expected);
        }
    }

    // ------------------------------------------------------------------ reading

    public long id() {
        return id;
    }

    public FileType type() {
        return type;
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public int mode() {
        return mode;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    public long size() {
        return size;
    }

    public long atimeNanos() {
        return atimeNanos;
    }

    public long mtimeNanos() {
        return mtimeNanos;
    }

    public long ctimeNanos() {
        return ctimeNanos;
    }

    public int rdevMajor() {
        return rdevMajor;
    }

    public int rdevMinor() {
        return rdevMinor;
    }

    public List<Link> links() {
        return Collections.unmodifiableList(links);
    }

    public int nlink() {
        return isDirectory() ? 2 + subdirectories : Math.max(links.size(), 0);
    }

    /** For a symbolic link made here or already read: its target; null while an imported one is unread. */
    public String symlinkTarget() {
        return symlinkTarget;
    }

    public long createVerifier() {
        return createVerifier;
    }

    public List<String> syncedKeys() {
        return Collections.unmodifiableList(syncedKeys);
    }

    public String baseEtag() {
        return baseEtag;
    }

    public long baseLength() {
        return baseLength;
    }

    public boolean contentDirty() {
        return contentDirty;
    }

    public boolean attributesDirty() {
        return attributesDirty;
    }

    public boolean isDirty() {
        return contentDirty || attributesDirty;
    }

    public long version() {
        return version;
    }

    public boolean needsHead() {
        return needsHead;
    }

    public long syncedAtMillis() {
        return syncedAtMillis;
    }

    public long listedAtMillis() {
        return listedAtMillis;
    }

    /** Read-only outside this package, like {@link #dirtyRanges()}: their changes are this class's operations'. */
    public RangeSet present() {
        return present;
    }

    /**
     * A follower's copy of the leader's inode: keeps of its cached ranges only those {@code held} covers too (what
     * this member's own cache file holds); returns whether any went.
     */
    boolean retainPresent(RangeSet held) {
        List<RangeSet.Range> ranges = present.ranges();
        if (ranges.isEmpty()) {
            return false;
        }
        boolean changed = false;
        for (RangeSet.Range gap : held.gaps(0, ranges.get(ranges.size() - 1).end())) {
            if (present.overlaps(gap.start(), gap.end())) {
                present.remove(gap.start(), gap.end());
                changed = true;
            }
        }
        return changed;
    }

    public RangeSet dirtyRanges() {
        return dirtyRanges;
    }

    /**
     * Roughly what this inode takes on the heap, in bytes, for the store's cache bound: the fixed fields, its names
     * and keys (UTF-16), and its ranges (a tree node and two boxed longs each).
     */
    int weight() {
        long bytes = 160L + 80L * (present.size() + dirtyRanges.size());
        for (Link l : links) {
            bytes += 64 + 2L * l.name().length();
        }
        for (String k : syncedKeys) {
            bytes += 48 + 2L * k.length();
        }
        if (symlinkTarget != null) {
            bytes += 48 + 2L * symlinkTarget.length();
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    // ------------------------------------------------------------------ the stored record

    /**
     * An independent copy, field by field: every read of an inode in a transaction makes one, so it must not cost an
     * encoding (the range sets are shared until either side changes them). {@code InodeTest} checks that a copy
     * encodes exactly like its original, which catches a field forgotten here.
     */
    public Inode copy() {
        Inode c = new Inode();
        c.id = id;
        c.type = type;
        c.mode = mode;
        c.uid = uid;
        c.gid = gid;
        c.size = size;
        c.atimeNanos = atimeNanos;
        c.mtimeNanos = mtimeNanos;
        c.ctimeNanos = ctimeNanos;
        c.rdevMajor = rdevMajor;
        c.rdevMinor = rdevMinor;
        c.links.addAll(links);
        c.subdirectories = subdirectories;
        c.nextCookie = nextCookie;
        c.symlinkTarget = symlinkTarget;
        c.createVerifier = createVerifier;
        c.syncedKeys.addAll(syncedKeys);
        c.baseEtag = baseEtag;
        c.baseLength = baseLength;
        c.contentDirty = contentDirty;
        c.attributesDirty = attributesDirty;
        c.version = version;
        c.needsHead = needsHead;
        c.syncedAtMillis = syncedAtMillis;
        c.listedAtMillis = listedAtMillis;
        c.present = present.copy();
        c.dirtyRanges = dirtyRanges.copy();
        return c;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(id);
            out.writeByte(type.code());
            out.writeInt(mode);
            out.writeInt(uid);
            out.writeInt(gid);
            out.writeLong(size);
            out.writeLong(atimeNanos);
            out.writeLong(mtimeNanos);
            out.writeLong(ctimeNanos);
            out.writeInt(rdevMajor);
            out.writeInt(rdevMinor);
            out.writeInt(links.size());
            for (Link l : links) {
                out.writeLong(l.parentId());
                out.writeUTF(l.name());
            }
            out.writeInt(subdirectories);
            out.writeLong(nextCookie);
            writeNullable(out, symlinkTarget);
            out.writeLong(createVerifier);
            out.writeInt(syncedKeys.size());
            for (String k : syncedKeys) {
                out.writeUTF(k);
            }
            writeNullable(out, baseEtag);
            out.writeLong(baseLength);
            out.writeBoolean(contentDirty);
            out.writeBoolean(attributesDirty);
            out.writeLong(version);
            out.writeBoolean(needsHead);
            out.writeLong(listedAtMillis);
            present.writeTo(out);
            dirtyRanges.writeTo(out);
            out.writeLong(syncedAtMillis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Inode decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readByte();
            if (format != FORMAT && format != FORMAT_ENUM_ORDER) {
                throw new IllegalStateException("unknown inode format " + format);
            }
            Inode i = new Inode();
            i.id = in.readLong();
            int type = in.readByte();
            // Format 1 stored the type's position in the enum, which was then REGULAR..FIFO: ftype3 minus one.
            i.type = FileType.ofCode(format == FORMAT_ENUM_ORDER ? type + 1 : type);
            i.mode = in.readInt();
            i.uid = in.readInt();
            i.gid = in.readInt();
            i.size = in.readLong();
            i.atimeNanos = in.readLong();
            i.mtimeNanos = in.readLong();
            i.ctimeNanos = in.readLong();
            i.rdevMajor = in.readInt();
            i.rdevMinor = in.readInt();
            int linkCount = in.readInt();
            for (int n = 0; n < linkCount; n++) {
                i.links.add(new Link(in.readLong(), in.readUTF()));
            }
            i.subdirectories = in.readInt();
            i.nextCookie = in.readLong();
            i.symlinkTarget = readNullable(in);
            i.createVerifier = in.readLong();
            int keys = in.readInt();
            for (int n = 0; n < keys; n++) {
                i.syncedKeys.add(in.readUTF());
            }
            i.baseEtag = readNullable(in);
            i.baseLength = in.readLong();
            i.contentDirty = in.readBoolean();
            i.attributesDirty = in.readBoolean();
            i.version = in.readLong();
            i.needsHead = in.readBoolean();
            i.listedAtMillis = in.readLong();
            i.present.readFrom(in);
            i.dirtyRanges.readFrom(in);
            i.syncedAtMillis = in.readLong();
            return i;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
