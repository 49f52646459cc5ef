package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.model.FileType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One inode as the metadata store keeps it: POSIX attributes, where it lives in the namespace, what of it is in
 * the local cache, and how it stands against the bucket. Mutable; callers change a {@link #copy()} inside a
 * {@link MetadataStore.Batch} and put it back.
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

    public long id;
    public FileType type;
    /** Permission bits only (07777). */
    public int mode;
    public int uid;
    public int gid;
    public long size;
    public long atimeNanos;
    public long mtimeNanos;
    public long ctimeNanos;
    public int rdevMajor;
    public int rdevMinor;
    public List<Link> links = new ArrayList<>();
    /** For directories: how many subdirectories, for nlink. */
    public int subdirectories;
    /** For directories: the cookie the next new entry gets (cookies 1 and 2 are "." and ".."). */
    public long nextCookie = 3;
    public String symlinkTarget;
    /** The EXCLUSIVE create verifier this file was made with, or 0. */
    public long createVerifier;

    // --- against the bucket ---
    /** Keys that hold this inode's current content as of the last successful sync. */
    public List<String> syncedKeys = new ArrayList<>();
    /** The ETag of the object at the synced keys; bytes not in the cache are read from it. */
    public String baseEtag;
    /** Length of that object. */
    public long baseLength;
    /** Set when the bytes changed since the last upload. */
    public boolean contentDirty;
    /** Set when attributes or names changed since the last sync. */
    public boolean attributesDirty;
    /** Incremented on every change, so that a sync finishing late can tell it raced a change. */
    public long version;
    /** Imported from a listing; attributes still to be read with a HEAD. */
    public boolean needsHead;
    /** When the last sync of this inode finished (epoch millis), so a listing taken earlier is not trusted. */
    public long syncedAtMillis;
    /** For directories: when the bucket was last listed under it, epoch millis (0: never). */
    public long listedAtMillis;

    // --- in the local cache ---
    public RangeSet present = new RangeSet();
    public RangeSet dirtyRanges = new RangeSet();

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isDirty() {
        return contentDirty || attributesDirty;
    }

    public int nlink() {
        return isDirectory() ? 2 + subdirectories : Math.max(links.size(), 0);
    }

    public Inode copy() {
        return decode(encode());
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
            writeRanges(out, present);
            writeRanges(out, dirtyRanges);
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
            int links = in.readInt();
            for (int n = 0; n < links; n++) {
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
            i.present = readRanges(in);
            i.dirtyRanges = readRanges(in);
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

    private static void writeRanges(DataOutputStream out, RangeSet set) throws IOException {
        List<RangeSet.Range> ranges = set.ranges();
        out.writeInt(ranges.size());
        for (RangeSet.Range r : ranges) {
            out.writeLong(r.start());
            out.writeLong(r.end());
        }
    }

    private static RangeSet readRanges(DataInputStream in) throws IOException {
        RangeSet set = new RangeSet();
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            set.add(in.readLong(), in.readLong());
        }
        return set;
    }
}
