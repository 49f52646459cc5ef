package dev.regatta.dataplane.nfs.v3;

import static dev.regatta.dataplane.nfs.rpc.Xdr.bool;
import static dev.regatta.dataplane.nfs.rpc.Xdr.opaque;
import static dev.regatta.dataplane.nfs.rpc.Xdr.opaqueSize;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.FATTR3_SIZE;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.checkName;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.checkPath;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.handle;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.name;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.postOpAttr;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.postOpFh;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.sattr3;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.uint32;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.uint64;
import static dev.regatta.dataplane.nfs.v3.Nfs3Xdr.wccData;

import dev.regatta.dataplane.fs.Access;
import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.fs.Wcc;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.LentBuffer;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.rpc.Xdr.GarbageArgs;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NFSv3 (RFC 1813): decodes each call, runs it against the export's {@link VirtualFileSystem}, encodes the reply.
 * One method per procedure decodes its arguments and returns the {@link Action} that serves them; {@link #serve}
 * turns the action's outcome into the nfsstat3 and the resok or resfail arm.
 */
public final class Nfs3Program {

    private static final Logger LOG = LoggerFactory.getLogger(Nfs3Program.class);

    public static final int PROGRAM = 100003;
    public static final int VERSION = 3;
    /** The largest READ and WRITE (FSINFO's rtmax and wtmax): what the intake must let a call carry. */
    public static final int RTMAX = 1 << 20;
    public static final int WTMAX = 1 << 20;
    static final int DTPREF = 64 << 10;
    /** The largest READDIR(PLUS) reply we build, whatever the client allows. */
    static final int MAX_DIR_REPLY = 1 << 20;
    static final int FSF3_LINK = 0x1;
    static final int FSF3_SYMLINK = 0x2;
    static final int FSF3_HOMOGENEOUS = 0x8;
    static final int FSF3_CANSETTIME = 0x10;

    /** The procedures with their RFC 1813 numbers (explicit: the order here means nothing); {@code tag} is the meter's. */
    enum Proc {
        NULL(0), GETATTR(1), SETATTR(2), LOOKUP(3), ACCESS(4), READLINK(5), READ(6), WRITE(7), CREATE(8), MKDIR(9),
        SYMLINK(10), MKNOD(11), REMOVE(12), RMDIR(13), RENAME(14), LINK(15), READDIR(16), READDIRPLUS(17),
        FSSTAT(18), FSINFO(19), PATHCONF(20), COMMIT(21);

        final int number;
        final String tag = name().toLowerCase(Locale.ROOT);

        Proc(int number) {
            this.number = number;
        }
    }

    private static final int POST = 1;
    private static final int WCC = 2;

    /** The fields of each procedure's resfail arm after the status: post_op_attr or wcc_data. */
    private static int[] failShape(Proc p) {
        return switch (p) {
            case NULL, GETATTR -> new int[0];
            case SETATTR, WRITE, CREATE, MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, COMMIT -> new int[] {WCC};
            case RENAME -> new int[] {WCC, WCC};
            case LINK -> new int[] {POST, WCC};
            case LOOKUP, ACCESS, READLINK, READ, READDIR, READDIRPLUS, FSSTAT, FSINFO, PATHCONF -> new int[] {POST};
        };
    }

    /** The work of one call after its arguments are decoded; returns the resok body (after the status). */
    @FunctionalInterface
    interface Action {
        Reply run(Nfs3Call c) throws FsException;
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final ClientActivity activity;

    public Nfs3Program(ExportTable exports, FileHandles handles, ConnectionPolicy policy, ClientActivity activity) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.activity = activity;
    }

    /** The program to register, timed in {@code nfs_requests}. */
    public RpcProgram rpc(MeterRegistry metrics) {
        RpcProgram.Builder b = RpcProgram.builder("NFS", "nfs_requests", "NFSv3 requests by procedure and status",
                metrics);
        for (Proc p : Proc.values()) {
            Xdr.Decoder<Action> decoder = decoder(p);
            b.procedure(p.number, p.tag, decoder, (call, action) -> serve(p, call, action));
        }
        return b.build();
    }

    private Xdr.Decoder<Action> decoder(Proc p) {
        return switch (p) {
            case NULL -> in -> c -> Reply.VOID;
            case GETATTR -> Nfs3Program::getattr;
            case SETATTR -> Nfs3Program::setattr;
            case LOOKUP -> Nfs3Program::lookup;
            case ACCESS -> Nfs3Program::access;
            case READLINK -> Nfs3Program::readlink;
            case READ -> Nfs3Program::read;
            case WRITE -> Nfs3Program::write;
            case CREATE -> Nfs3Program::create;
            case MKDIR -> Nfs3Program::mkdir;
            case SYMLINK -> Nfs3Program::symlink;
            case MKNOD -> Nfs3Program::mknod;
            case REMOVE -> in -> remove(in, false);
            case RMDIR -> in -> remove(in, true);
            case RENAME -> Nfs3Program::rename;
            case LINK -> Nfs3Program::link;
            case READDIR -> Nfs3Program::readdir;
            case READDIRPLUS -> Nfs3Program::readdirplus;
            case FSSTAT -> Nfs3Program::fsstat;
            case FSINFO -> Nfs3Program::fsinfo;
            case PATHCONF -> Nfs3Program::pathconf;
            case COMMIT -> Nfs3Program::commit;
        };
    }

    /** Runs a decoded call and answers it: the nfsstat3, then the resok body or the resfail arm. */
    private String serve(Proc p, RpcCall call, Action action) {
        Nfs3Call c = new Nfs3Call(call, exports, handles, policy, activity);
        NfsStat stat;
        Reply body;
        try {
            body = action.run(c);
            stat = NfsStat.NFS3_OK;
        } catch (FsException e) {
            stat = NfsStat.of(e.error());
            body = failure(p, c);
            LOG.debug("NFS {} from {}: {} ({})", p, RpcProgram.remote(call), stat, e.getMessage());
        } catch (RuntimeException e) {
            stat = NfsStat.NFS3ERR_SERVERFAULT;
            body = failure(p, c);
            LOG.warn("NFS {} from {}: server fault", p, RpcProgram.remote(call), e);
        }
        if (p == Proc.NULL) {
            call.reply(Reply.VOID);
        } else {
            NfsStat s = stat;
            Reply b = body;
            call.reply(new Reply(out -> {
                out.xdrEncodeInt(s.code);
                b.encoder().encode(out);
            }));
        }
        return stat.tag();
    }

    /** The resfail arm: post_op_attr/wcc_data with whatever is known about the inodes the call named. */
    private static Reply failure(Proc p, Nfs3Call c) {
        int[] shape = failShape(p);
        Attributes[] attrs = new Attributes[shape.length];
        for (int i = 0; i < shape.length; i++) {
            attrs[i] = c.attrsOrNull(c.failIds[i]);
        }
        return new Reply(out -> {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == WCC) {
                    wccData(out, new Wcc(null, attrs[i]));
                } else {
                    postOpAttr(out, attrs[i]);
                }
            }
        });
    }

    // ---- procedures ----------------------------------------------------------------------------------------

    private static Action getattr(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        return c -> {
            long id = c.resolve(fh, -1);
            Attributes a = c.fs().getattr(id);
            return new Reply(out -> Nfs3Xdr.fattr3(out, a));
        };
    }

    private static Action setattr(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        SetAttributes sa = sattr3(in);
        Long guard = bool(in) ? Nfs3Xdr.time(in) : null;
        return c -> {
            long id = c.resolve(fh, 0);
            c.writable();
            Wcc w = c.fs().setattr(c.caller(), id, sa, guard);
            return new Reply(out -> wccData(out, w));
        };
    }

    private static Action lookup(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        return c -> {
            long id = c.resolve(dir, 0);
            Results.Lookup r = c.fs().lookup(c.caller(), id, checkName(nm));
            byte[] fh = c.handleOf(r.fileId());
            return new Reply(out -> {
                out.xdrEncodeDynamicOpaque(fh);
                postOpAttr(out, r.attributes());
                postOpAttr(out, r.directory());
            });
        };
    }

    private static Action access(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        int requested = uint32(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Results.Access r = c.fs().access(c.caller(), id, requested);
            int granted = r.granted();
            if (c.readOnly()) {
                granted &= ~(Access.MODIFY | Access.EXTEND | Access.DELETE);
            }
            int g = granted;
            return new Reply(out -> {
                postOpAttr(out, r.attributes());
                out.xdrEncodeInt(g);
            });
        };
    }

    private static Action readlink(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Results.Readlink r = c.fs().readlink(c.caller(), id);
            return new Reply(out -> {
                postOpAttr(out, r.attributes());
                out.xdrEncodeDynamicOpaque(r.target().getBytes(StandardCharsets.UTF_8));
            });
        };
    }

    private static Action read(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        long offset = uint64(in);
        int count = uint32(in);
        return c -> {
            long id = c.resolve(fh, 0);
            if (offset < 0) {
                throw new FsException(FsError.INVAL, "offset beyond 2^63");
            }
            int n = (int) Math.min(Integer.toUnsignedLong(count), RTMAX);
            Results.Read r = c.fs().read(c.caller(), id, offset, n);
            ByteBuffer data = r.data().duplicate();
            if (data.remaining() > n) {
                data.limit(data.position() + n);
            }
            return new Reply(out -> {
                postOpAttr(out, r.attributes());
                out.xdrEncodeInt(data.remaining());
                out.xdrEncodeBoolean(r.eof());
                if (out instanceof org.dcache.oncrpc4j.xdr.Xdr xdr) {
                    // The data joins the reply as a buffer of its own: copying it into the reply's buffer grew
                    // that buffer by doubling from 1 KiB, and the copies took as long as the read (READ profile).
                    // Its buffer goes back to its pool when Grizzly disposes the reply, once it is written.
                    xdr.xdrEncodeShallowByteBuffer(new LentBuffer(data, r::release));
                } else {
                    out.xdrEncodeByteBuffer(data);
                    r.release();
                }
            });
        };
    }

    private static Action write(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        long offset = uint64(in);
        int count = uint32(in);
        int stable = in.xdrDecodeInt();
        if (stable < 0 || stable > 2) {
            throw new GarbageArgs("bad stable_how " + stable);
        }
        byte[] data = opaque(in, WTMAX);
        return c -> {
            long id = c.resolve(fh, 0);
            c.writable();
            if (offset < 0) {
                throw new FsException(FsError.INVAL, "offset beyond 2^63");
            }
            int n = (int) Math.min(Integer.toUnsignedLong(count), data.length);
            Results.Written w = c.fs().write(c.caller(), id, offset, ByteBuffer.wrap(data, 0, n),
                    Stability.ofCode(stable));
            long verifier = c.fs().writeVerifier();
            return new Reply(out -> {
                wccData(out, w.file());
                out.xdrEncodeInt(w.count());
                out.xdrEncodeInt(w.committed().code());
                out.xdrEncodeLong(verifier);
            });
        };
    }

    private static Action create(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        int how = in.xdrDecodeInt();
        CreateMode mode = switch (how) {
            case 0 -> CreateMode.UNCHECKED;
            case 1 -> CreateMode.GUARDED;
            case 2 -> CreateMode.EXCLUSIVE;
            default -> throw new GarbageArgs("bad createmode3 " + how);
        };
        SetAttributes sa = mode == CreateMode.EXCLUSIVE ? SetAttributes.NONE : sattr3(in);
        long verf = mode == CreateMode.EXCLUSIVE ? in.xdrDecodeLong() : 0; // createverf3: opaque[8]
        return c -> created(c, dir, nm, (fs, caller, id, name) -> fs.create(caller, id, name, mode, sa, verf));
    }

    private static Action mkdir(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        SetAttributes sa = sattr3(in);
        return c -> created(c, dir, nm, (fs, caller, id, name) -> fs.mkdir(caller, id, name, sa));
    }

    private static Action symlink(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        SetAttributes sa = sattr3(in);
        byte[] target = name(in);
        return c -> created(c, dir, nm,
                (fs, caller, id, name) -> fs.symlink(caller, id, name, checkPath(target), sa));
    }

    private static Action mknod(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        int type = in.xdrDecodeInt();
        FileType ft;
        try {
            ft = FileType.ofCode(type);
        } catch (IllegalArgumentException e) {
            throw new GarbageArgs("bad ftype3 " + type);
        }
        boolean device = ft == FileType.BLOCK_DEVICE || ft == FileType.CHAR_DEVICE;
        SetAttributes sa = device || ft == FileType.SOCKET || ft == FileType.FIFO ? sattr3(in) : null;
        int major = device ? in.xdrDecodeInt() : 0;
        int minor = device ? in.xdrDecodeInt() : 0;
        return c -> created(c, dir, nm, (fs, caller, id, name) -> {
            if (sa == null) {
                throw new FsException(FsError.BADTYPE, "MKNOD of " + ft);
            }
            return fs.mknod(caller, id, name, ft, sa, major, minor);
        });
    }

    /** REMOVE, or RMDIR when {@code directory}. */
    private static Action remove(XdrDecodingStream in, boolean directory) throws IOException {
        byte[] dir = handle(in);
        byte[] nm = name(in);
        return c -> {
            long id = c.resolve(dir, 0);
            c.writable();
            String name = checkName(nm);
            Wcc w = directory ? c.fs().rmdir(c.caller(), id, name) : c.fs().remove(c.caller(), id, name);
            return new Reply(out -> wccData(out, w));
        };
    }

    private static Action rename(XdrDecodingStream in) throws IOException {
        byte[] from = handle(in);
        byte[] fromName = name(in);
        byte[] to = handle(in);
        byte[] toName = name(in);
        return c -> {
            long fromId = c.resolve(from, 0);
            long toId = c.resolve(to, 1);
            c.writable();
            String f = checkName(fromName);
            String t = checkName(toName);
            Results.Renamed r = c.fs().rename(c.caller(), fromId, f, toId, t);
            return new Reply(out -> {
                wccData(out, r.from());
                wccData(out, r.to());
            });
        };
    }

    private static Action link(XdrDecodingStream in) throws IOException {
        byte[] file = handle(in);
        byte[] dir = handle(in);
        byte[] nm = name(in);
        return c -> {
            long fileId = c.resolve(file, 0);
            long dirId = c.resolve(dir, 1);
            c.writable();
            Results.Linked r = c.fs().link(c.caller(), fileId, dirId, checkName(nm));
            return new Reply(out -> {
                postOpAttr(out, r.file());
                wccData(out, r.directory());
            });
        };
    }

    private static Action readdir(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        long cookie = uint64(in);
        long verf = in.xdrDecodeLong();
        int count = uint32(in);
        return c -> listing(c, dir, cookie, verf, count, false);
    }

    private static Action readdirplus(XdrDecodingStream in) throws IOException {
        byte[] dir = handle(in);
        long cookie = uint64(in);
        long verf = in.xdrDecodeLong();
        uint32(in); // dircount: only maxcount bounds the reply, as in Linux knfsd
        int maxcount = uint32(in);
        return c -> listing(c, dir, cookie, verf, maxcount, true);
    }

    private static Action fsstat(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Results.FsStat s = c.fs().fsstat(id);
            return new Reply(out -> {
                postOpAttr(out, s.attributes());
                out.xdrEncodeLong(s.totalBytes());
                out.xdrEncodeLong(s.freeBytes());
                out.xdrEncodeLong(s.availableBytes());
                out.xdrEncodeLong(s.totalFiles());
                out.xdrEncodeLong(s.freeFiles());
                out.xdrEncodeLong(s.availableFiles());
                out.xdrEncodeInt(0); // invarsec
            });
        };
    }

    private static Action fsinfo(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Attributes a = c.fs().getattr(id);
            return new Reply(out -> {
                postOpAttr(out, a);
                out.xdrEncodeInt(RTMAX); // rtmax
                out.xdrEncodeInt(RTMAX); // rtpref
                out.xdrEncodeInt(4096); // rtmult
                out.xdrEncodeInt(WTMAX); // wtmax
                out.xdrEncodeInt(WTMAX); // wtpref
                out.xdrEncodeInt(4096); // wtmult
                out.xdrEncodeInt(DTPREF);
                out.xdrEncodeLong(VirtualFileSystem.MAX_FILE_SIZE); // maxfilesize
                out.xdrEncodeInt(0); // time_delta: 1 ns
                out.xdrEncodeInt(1);
                out.xdrEncodeInt(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
            });
        };
    }

    private static Action pathconf(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Attributes a = c.fs().getattr(id);
            return new Reply(out -> {
                postOpAttr(out, a);
                out.xdrEncodeInt(32000); // linkmax
                out.xdrEncodeInt(VirtualFileSystem.MAX_NAME_BYTES);
                out.xdrEncodeBoolean(true); // no_trunc
                out.xdrEncodeBoolean(true); // chown_restricted
                out.xdrEncodeBoolean(false); // case_insensitive
                out.xdrEncodeBoolean(true); // case_preserving
            });
        };
    }

    private static Action commit(XdrDecodingStream in) throws IOException {
        byte[] fh = handle(in);
        long offset = uint64(in);
        int count = uint32(in);
        return c -> {
            long id = c.resolve(fh, 0);
            Wcc w = c.fs().commit(id, offset, count);
            long verifier = c.fs().writeVerifier();
            return new Reply(out -> {
                wccData(out, w);
                out.xdrEncodeLong(verifier);
            });
        };
    }

    // ---- shared shapes -------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Maker {
        Results.Created make(VirtualFileSystem fs, Caller caller, long directoryId, String name) throws FsException;
    }

    /** CREATE, MKDIR, SYMLINK, MKNOD: diropres3. */
    private static Reply created(Nfs3Call c, byte[] dir, byte[] nm, Maker maker) throws FsException {
        long id = c.resolve(dir, 0);
        c.writable();
        Results.Created r = maker.make(c.fs(), c.caller(), id, checkName(nm));
        byte[] fh = c.handleOf(r.fileId());
        return new Reply(out -> {
            postOpFh(out, fh);
            postOpAttr(out, r.attributes());
            wccData(out, r.directory());
        });
    }

    /** READDIR/READDIRPLUS: as many entries as fit in the client's byte limit, each with its own cookie. */
    private static Reply listing(Nfs3Call c, byte[] dir, long cookie, long verf, int count, boolean plus)
            throws FsException {
        long id = c.resolve(dir, 0);
        int limit = (int) Math.min(Integer.toUnsignedLong(count), MAX_DIR_REPLY);
        int perEntry = plus ? 24 + 4 + FATTR3_SIZE + 4 + opaqueSize(FileHandles.LENGTH) : 24;
        int maxEntries = Math.max(1, Math.min(plus ? 1024 : 4096, limit / perEntry));
        Results.Listing listing = c.fs().readdir(c.caller(), id, cookie, verf, maxEntries, plus);
        // status, post_op_attr, cookieverf, end of list, eof
        int used = 4 + 4 + FATTR3_SIZE + 8 + 4 + 4;
        List<Results.DirEntry> entries = listing.entries();
        List<byte[]> names = new ArrayList<>();
        List<byte[]> fhs = new ArrayList<>();
        for (Results.DirEntry e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int size = 4 + 8 + opaqueSize(name.length) + 8;
            byte[] fh = null;
            if (plus) {
                fh = c.handleOf(e.fileId());
                size += 4 + (e.attributes() == null ? 0 : FATTR3_SIZE) + 4 + opaqueSize(fh.length);
            }
            if (used + size > limit) {
                break;
            }
            used += size;
            names.add(name);
            fhs.add(fh);
        }
        int n = names.size();
        if (n == 0 && !entries.isEmpty()) {
            throw new FsException(FsError.TOOSMALL, "no entry fits in " + limit + " bytes");
        }
        boolean eof = entries.isEmpty() || (listing.eof() && n == entries.size());
        return entriesReply(listing, names, fhs, eof, plus);
    }

    /** dirlist3 (or dirlistplus3) of the first {@code names.size()} entries of {@code listing}. */
    private static Reply entriesReply(Results.Listing listing, List<byte[]> names, List<byte[]> fhs, boolean eof,
                                      boolean plus) {
        List<Results.DirEntry> entries = listing.entries();
        Attributes dirAttrs = listing.directory();
        long cookieVerifier = listing.cookieVerifier();
        return new Reply(out -> {
            postOpAttr(out, dirAttrs);
            out.xdrEncodeLong(cookieVerifier);
            for (int i = 0; i < names.size(); i++) {
                Results.DirEntry e = entries.get(i);
                out.xdrEncodeBoolean(true);
                out.xdrEncodeLong(e.fileId());
                out.xdrEncodeDynamicOpaque(names.get(i));
                out.xdrEncodeLong(e.cookie());
                if (plus) {
                    postOpAttr(out, e.attributes());
                    postOpFh(out, fhs.get(i));
                }
            }
            out.xdrEncodeBoolean(false);
            out.xdrEncodeBoolean(eof);
        });
    }
}
