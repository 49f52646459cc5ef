package dev.regatta.dataplane.nfs;

import static dev.regatta.dataplane.nfs.Nfs3Xdr.FATTR3_SIZE;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.bool;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.handle;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.name;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.opaque;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.opaqueSize;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.postOpAttr;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.postOpFh;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.sattr3;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.uint32;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.uint64;
import static dev.regatta.dataplane.nfs.Nfs3Xdr.wccData;

import dev.regatta.dataplane.fs.Access;
import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.fs.Wcc;
import dev.regatta.dataplane.nfs.Nfs3Xdr.GarbageArgs;
import dev.regatta.dataplane.nfs.Nfs3Xdr.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** NFSv3 (RFC 1813): decodes each call, runs it against the export's {@link VirtualFileSystem}, encodes the reply. */
final class Nfs3Service implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(Nfs3Service.class);

    static final int RTMAX = 1 << 20;
    static final int WTMAX = 1 << 20;
    static final int DTPREF = 64 << 10;
    /** The largest READDIR(PLUS) reply we build, whatever the client allows. */
    static final int MAX_DIR_REPLY = 1 << 20;
    static final int FSF3_LINK = 0x1;
    static final int FSF3_SYMLINK = 0x2;
    static final int FSF3_HOMOGENEOUS = 0x8;
    static final int FSF3_CANSETTIME = 0x10;

    enum Proc {
        NULL, GETATTR, SETATTR, LOOKUP, ACCESS, READLINK, READ, WRITE, CREATE, MKDIR, SYMLINK, MKNOD, REMOVE,
        RMDIR, RENAME, LINK, READDIR, READDIRPLUS, FSSTAT, FSINFO, PATHCONF, COMMIT;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    private static final Proc[] PROCS = Proc.values();
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
    private interface Action {
        Reply run(Ctx c) throws FsException;
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final MeterRegistry metrics;
    private final ClientActivity activity;

    Nfs3Service(ExportTable exports, FileHandles handles, ConnectionPolicy policy, MeterRegistry metrics,
                ClientActivity activity) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.metrics = metrics;
        this.activity = activity;
    }

    static Caller credential(RpcCall call) {
        RpcAuth auth = call.getCredential();
        if (auth instanceof RpcAuthTypeUnix unix) {
            int[] gids = unix.gids();
            return new Caller(unix.uid(), unix.gid(), gids == null ? new int[0] : gids.clone());
        }
        return Caller.ANONYMOUS;
    }

    /** Per-call state: the resolved export, the caller, and which inodes the error reply should describe. */
    private final class Ctx {
        final RpcCall call;
        ExportTable.Export export;
        ConnectionPolicy.Admission admission;
        final long[] failIds = {-1, -1};

        Ctx(RpcCall call) {
            this.call = call;
        }

        /** Resolves a handle to a file id in this call's export; {@code slot} names the error-reply field. */
        long resolve(byte[] fh, int slot) throws FsException {
            if (fh.length > FileHandles.MAX_LENGTH) {
                throw new FsException(FsError.BADHANDLE, "handle too long");
            }
            FileHandles.Decoded d = handles.decode(fh);
            ExportTable.Export e = exports.byIndex(d.exportIndex())
                    .orElseThrow(() -> new FsException(FsError.STALE, "no export " + d.exportIndex()));
            if (export == null) {
                export = e;
                admission = policy.admit(call, e, credential(call));
                activity.record(e.index(), call);
            } else if (export.index() != e.index()) {
                throw new FsException(FsError.XDEV, "handles of different exports");
            }
            if (slot >= 0) {
                failIds[slot] = d.fileId();
            }
            return d.fileId();
        }

        VirtualFileSystem fs() {
            return export.fileSystem();
        }

        Caller caller() {
            return admission.caller();
        }

        void writable() throws FsException {
            if (admission.readOnly() || fs().readOnly()) {
                throw new FsException(FsError.ROFS, "read-only export " + export.path());
            }
        }

        byte[] handleOf(long fileId) {
            return handles.encode(export.index(), fileId);
        }

        Attributes attrsOrNull(long fileId) {
            if (export == null || fileId < 0) {
                return null;
            }
            try {
                return fs().getattr(fileId);
            } catch (Exception e) {
                return null;
            }
        }
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) {
        long start = System.nanoTime();
        int number = call.getProcedure();
        if (number < 0 || number >= PROCS.length) {
            call.failProcedureUnavailable();
            record("unknown", "PROC_UNAVAIL", start);
            return;
        }
        Proc p = PROCS[number];
        Action action;
        try {
            action = Nfs3Xdr.retrieve(call, in -> decode(p, in));
        } catch (IOException | RuntimeException e) {
            LOG.debug("NFS {} from {}: garbage arguments: {}", p, remote(call), e.toString());
            call.failRpcGarbage();
            record(p.tag, "GARBAGE_ARGS", start);
            return;
        }
        Ctx ctx = new Ctx(call);
        NfsStat stat;
        Reply body;
        try {
            body = action.run(ctx);
            stat = NfsStat.NFS3_OK;
        } catch (FsException e) {
            stat = NfsStat.of(e.error());
            body = failure(p, ctx);
            LOG.debug("NFS {} from {}: {} ({})", p, remote(call), stat, e.getMessage());
        } catch (RuntimeException e) {
            stat = NfsStat.NFS3ERR_SERVERFAULT;
            body = failure(p, ctx);
            LOG.warn("NFS {} from {}: server fault", p, remote(call), e);
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
        record(p.tag, stat.tag(), start);
        if (LOG.isDebugEnabled()) {
            LOG.debug("NFS {} from {}: {} in {} us", p, remote(call), stat.tag(), (System.nanoTime() - start) / 1000);
        }
    }

    private void record(String procedure, String status, long start) {
        Timer.builder("nfs_requests").description("NFSv3 requests by procedure and status")
                .tag("procedure", procedure).tag("status", status).register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    static String remote(RpcCall call) {
        try {
            return String.valueOf(call.getTransport().getRemoteSocketAddress());
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** The resfail arm: post_op_attr/wcc_data with whatever is known about the inodes the call named. */
    private Reply failure(Proc p, Ctx ctx) {
        int[] shape = failShape(p);
        Attributes[] attrs = new Attributes[shape.length];
        for (int i = 0; i < shape.length; i++) {
            attrs[i] = ctx.attrsOrNull(ctx.failIds[i]);
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

    // ---- names ---------------------------------------------------------------------------------------------

    /** A filename3: empty, '/' or NUL or non-UTF-8 → INVAL; over 255 bytes → NAMETOOLONG. */
    static String checkName(byte[] raw) throws FsException {
        if (raw.length == 0) {
            throw new FsException(FsError.INVAL, "empty name");
        }
        if (raw.length > VirtualFileSystem.MAX_NAME_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "name of " + raw.length + " bytes");
        }
        for (byte b : raw) {
            if (b == 0 || b == '/') {
                throw new FsException(FsError.INVAL, "name contains '/' or NUL");
            }
        }
        String s = Nfs3Xdr.utf8(raw);
        if (s == null) {
            throw new FsException(FsError.INVAL, "name is not UTF-8");
        }
        return s;
    }

    static String checkPath(byte[] raw) throws FsException {
        if (raw.length > Nfs3Xdr.MAX_PATH_BYTES) {
            throw new FsException(FsError.NAMETOOLONG, "symlink target of " + raw.length + " bytes");
        }
        for (byte b : raw) {
            if (b == 0) {
                throw new FsException(FsError.INVAL, "symlink target contains NUL");
            }
        }
        String s = Nfs3Xdr.utf8(raw);
        if (s == null) {
            throw new FsException(FsError.INVAL, "symlink target is not UTF-8");
        }
        return s;
    }

    // ---- procedures ----------------------------------------------------------------------------------------

    private Action decode(Proc p, XdrDecodingStream in) throws IOException {
        return switch (p) {
            case NULL -> c -> Reply.VOID;
            case GETATTR -> {
                byte[] fh = handle(in);
                yield c -> {
                    long id = c.resolve(fh, -1);
                    Attributes a = c.fs().getattr(id);
                    return new Reply(out -> Nfs3Xdr.fattr3(out, a));
                };
            }
            case SETATTR -> {
                byte[] fh = handle(in);
                SetAttributes sa = sattr3(in);
                Long guard = bool(in) ? Nfs3Xdr.time(in) : null;
                yield c -> {
                    long id = c.resolve(fh, 0);
                    c.writable();
                    Wcc w = c.fs().setattr(c.caller(), id, sa, guard);
                    return new Reply(out -> wccData(out, w));
                };
            }
            case LOOKUP -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                yield c -> {
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
            case ACCESS -> {
                byte[] fh = handle(in);
                int requested = uint32(in);
                yield c -> {
                    long id = c.resolve(fh, 0);
                    Results.Access r = c.fs().access(c.caller(), id, requested);
                    int granted = r.granted();
                    if (c.admission.readOnly() || c.fs().readOnly()) {
                        granted &= ~(Access.MODIFY | Access.EXTEND | Access.DELETE);
                    }
                    int g = granted;
                    return new Reply(out -> {
                        postOpAttr(out, r.attributes());
                        out.xdrEncodeInt(g);
                    });
                };
            }
            case READLINK -> {
                byte[] fh = handle(in);
                yield c -> {
                    long id = c.resolve(fh, 0);
                    Results.Readlink r = c.fs().readlink(c.caller(), id);
                    return new Reply(out -> {
                        postOpAttr(out, r.attributes());
                        out.xdrEncodeDynamicOpaque(r.target().getBytes(StandardCharsets.UTF_8));
                    });
                };
            }
            case READ -> {
                byte[] fh = handle(in);
                long offset = uint64(in);
                int count = uint32(in);
                yield c -> {
                    long id = c.resolve(fh, 0);
                    if (offset < 0) {
                        throw new FsException(FsError.INVAL, "offset beyond 2^63");
                    }
                    int n = (int) Math.min(Integer.toUnsignedLong(count), RTMAX);
                    Results.Read r = c.fs().read(c.caller(), id, offset, n);
                    ByteBuffer data = r.data() == null ? ByteBuffer.allocate(0) : r.data().duplicate();
                    if (data.remaining() > n) {
                        data.limit(data.position() + n);
                    }
                    return new Reply(out -> {
                        postOpAttr(out, r.attributes());
                        out.xdrEncodeInt(data.remaining());
                        out.xdrEncodeBoolean(r.eof());
                        out.xdrEncodeByteBuffer(data);
                    });
                };
            }
            case WRITE -> {
                byte[] fh = handle(in);
                long offset = uint64(in);
                int count = uint32(in);
                int stable = in.xdrDecodeInt();
                if (stable < 0 || stable > 2) {
                    throw new GarbageArgs("bad stable_how " + stable);
                }
                byte[] data = opaque(in, WTMAX);
                yield c -> {
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
            case CREATE -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                int how = in.xdrDecodeInt();
                SetAttributes sa;
                long verifier = 0;
                CreateMode mode;
                switch (how) {
                    case 0 -> {
                        mode = CreateMode.UNCHECKED;
                        sa = sattr3(in);
                    }
                    case 1 -> {
                        mode = CreateMode.GUARDED;
                        sa = sattr3(in);
                    }
                    case 2 -> {
                        mode = CreateMode.EXCLUSIVE;
                        sa = SetAttributes.NONE;
                        verifier = in.xdrDecodeLong(); // createverf3: opaque[8]
                    }
                    default -> throw new GarbageArgs("bad createmode3 " + how);
                }
                long verf = verifier;
                yield c -> created(c, dir, nm, (fs, caller, id, name) -> fs.create(caller, id, name, mode, sa, verf));
            }
            case MKDIR -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                SetAttributes sa = sattr3(in);
                yield c -> created(c, dir, nm, (fs, caller, id, name) -> fs.mkdir(caller, id, name, sa));
            }
            case SYMLINK -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                SetAttributes sa = sattr3(in);
                byte[] target = name(in);
                yield c -> created(c, dir, nm,
                        (fs, caller, id, name) -> fs.symlink(caller, id, name, checkPath(target), sa));
            }
            case MKNOD -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                int type = in.xdrDecodeInt();
                FileType ft;
                try {
                    ft = FileType.ofCode(type);
                } catch (IllegalArgumentException e) {
                    throw new GarbageArgs("bad ftype3 " + type);
                }
                SetAttributes sa;
                int major = 0;
                int minor = 0;
                switch (ft) {
                    case BLOCK_DEVICE, CHAR_DEVICE -> {
                        sa = sattr3(in);
                        major = in.xdrDecodeInt();
                        minor = in.xdrDecodeInt();
                    }
                    case SOCKET, FIFO -> sa = sattr3(in);
                    default -> sa = null;
                }
                int ma = major;
                int mi = minor;
                yield c -> created(c, dir, nm, (fs, caller, id, name) -> {
                    if (sa == null) {
                        throw new FsException(FsError.BADTYPE, "MKNOD of " + ft);
                    }
                    return fs.mknod(caller, id, name, ft, sa, ma, mi);
                });
            }
            case REMOVE, RMDIR -> {
                byte[] dir = handle(in);
                byte[] nm = name(in);
                yield c -> {
                    long id = c.resolve(dir, 0);
                    c.writable();
                    String name = checkName(nm);
                    Wcc w = p == Proc.REMOVE ? c.fs().remove(c.caller(), id, name) : c.fs().rmdir(c.caller(), id, name);
                    return new Reply(out -> wccData(out, w));
                };
            }
            case RENAME -> {
                byte[] from = handle(in);
                byte[] fromName = name(in);
                byte[] to = handle(in);
                byte[] toName = name(in);
                yield c -> {
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
            case LINK -> {
                byte[] file = handle(in);
                byte[] dir = handle(in);
                byte[] nm = name(in);
                yield c -> {
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
            case READDIR -> {
                byte[] dir = handle(in);
                long cookie = uint64(in);
                long verf = in.xdrDecodeLong();
                int count = uint32(in);
                yield c -> readdir(c, dir, cookie, verf, count, false);
            }
            case READDIRPLUS -> {
                byte[] dir = handle(in);
                long cookie = uint64(in);
                long verf = in.xdrDecodeLong();
                uint32(in); // dircount: only maxcount bounds the reply, as in Linux knfsd
                int maxcount = uint32(in);
                yield c -> readdir(c, dir, cookie, verf, maxcount, true);
            }
            case FSSTAT -> {
                byte[] fh = handle(in);
                yield c -> {
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
            case FSINFO -> {
                byte[] fh = handle(in);
                yield c -> {
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
            case PATHCONF -> {
                byte[] fh = handle(in);
                yield c -> {
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
            case COMMIT -> {
                byte[] fh = handle(in);
                long offset = uint64(in);
                int count = uint32(in);
                yield c -> {
                    long id = c.resolve(fh, 0);
                    Wcc w = c.fs().commit(id, offset, count);
                    long verifier = c.fs().writeVerifier();
                    return new Reply(out -> {
                        wccData(out, w);
                        out.xdrEncodeLong(verifier);
                    });
                };
            }
        };
    }

    @FunctionalInterface
    private interface Maker {
        Results.Created make(VirtualFileSystem fs, Caller caller, long directoryId, String name) throws FsException;
    }

    /** CREATE, MKDIR, SYMLINK, MKNOD: diropres3. */
    private static Reply created(Ctx c, byte[] dir, byte[] nm, Maker maker) throws FsException {
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
    private static Reply readdir(Ctx c, byte[] dir, long cookie, long verf, int count, boolean plus)
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
        Attributes dirAttrs = listing.directory();
        long cookieVerifier = listing.cookieVerifier();
        return new Reply(out -> {
            postOpAttr(out, dirAttrs);
            out.xdrEncodeLong(cookieVerifier);
            for (int i = 0; i < n; i++) {
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
