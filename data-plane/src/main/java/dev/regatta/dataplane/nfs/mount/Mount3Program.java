package dev.regatta.dataplane.nfs.mount;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.RpcPeer;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RPC MOUNT v3 program (RFC 1813 appendix I) of the data plane: hands out root handles and remembers who
 * mounted what. Not to be confused with the control plane's mount sessions (certificates for the TLS front).
 */
public final class Mount3Program {

    private static final Logger LOG = LoggerFactory.getLogger(Mount3Program.class);

    public static final int PROGRAM = 100005;
    public static final int VERSION = 3;
    static final int MAX_MNT_PATH_BYTES = 1024;

    static final int MNT3_OK = 0;
    static final int MNT3ERR_NOENT = 2;
    static final int MNT3ERR_IO = 5;
    static final int MNT3ERR_ACCES = 13;
    static final int MNT3ERR_NOTDIR = 20;
    static final int MNT3ERR_NAMETOOLONG = 63;
    static final int MNT3ERR_SERVERFAULT = 10006;
    static final int AUTH_NONE = 0;
    static final int AUTH_SYS = 1;

    record Mount(String host, String path) {
    }

    /** MNT's outcome: the mountstat3, and the root handle when it is MNT3_OK. */
    private record Mounted(int stat, byte[] root) {
        static Mounted failed(int stat) {
            return new Mounted(stat, null);
        }
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final ClientActivity activity;
    private final Set<Mount> mounts = ConcurrentHashMap.newKeySet();

    public Mount3Program(ExportTable exports, FileHandles handles, ConnectionPolicy policy,
                         ClientActivity activity) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.activity = activity;
    }

    /** The program to register, timed in {@code mount_requests}. */
    public RpcProgram rpc(MeterRegistry metrics) {
        return RpcProgram.builder("MOUNT", "mount_requests", "MOUNTv3 requests by procedure and status", metrics)
                .procedure(0, "null", (call, none) -> answer(call, Reply.VOID))
                .procedure(1, "mnt", Mount3Program::dirpath, this::mnt)
                .procedure(2, "dump", (call, none) -> dump(call))
                .procedure(3, "umnt", Mount3Program::dirpath, this::umnt)
                .procedure(4, "umntall", (call, none) -> umntall(call))
                .procedure(5, "export", (call, none) -> export(call))
                .build();
    }

    /** The mounts DUMP reports. */
    List<Mount> mounts() {
        return List.copyOf(mounts);
    }

    /** dirpath as raw bytes; its length and content are checked with a proper status. */
    private static byte[] dirpath(XdrDecodingStream in) throws IOException {
        return Xdr.opaque(in, 1 << 20);
    }

    private static String answer(RpcCall call, Reply reply) {
        call.reply(reply);
        return "ok";
    }

    private String mnt(RpcCall call, byte[] path) {
        String host = ClientActivity.clientAddress(call);
        Mounted m = mount(call, host, path);
        call.reply(new Reply(out -> {
            out.xdrEncodeInt(m.stat());
            if (m.stat() == MNT3_OK) {
                out.xdrEncodeDynamicOpaque(m.root());
                out.xdrEncodeInt(2);
                out.xdrEncodeInt(AUTH_SYS);
                out.xdrEncodeInt(AUTH_NONE);
            }
        }));
        LOG.debug("MOUNT mnt {} from {}: {}", Xdr.utf8(path), host, statusName(m.stat()));
        return statusName(m.stat());
    }

    private String dump(RpcCall call) {
        List<Mount> list = mounts();
        return answer(call, new Reply(out -> {
            for (Mount m : list) {
                out.xdrEncodeBoolean(true);
                out.xdrEncodeDynamicOpaque(m.host().getBytes(StandardCharsets.UTF_8));
                out.xdrEncodeDynamicOpaque(m.path().getBytes(StandardCharsets.UTF_8));
            }
            out.xdrEncodeBoolean(false);
        }));
    }

    private String umnt(RpcCall call, byte[] path) {
        String p = Xdr.utf8(path);
        if (p != null) {
            mounts.remove(new Mount(ClientActivity.clientAddress(call), normalize(p)));
        }
        return answer(call, Reply.VOID);
    }

    private String umntall(RpcCall call) {
        String host = ClientActivity.clientAddress(call);
        mounts.removeIf(m -> m.host().equals(host));
        return answer(call, Reply.VOID);
    }

    private String export(RpcCall call) {
        List<ExportTable.Export> list = List.copyOf(exports.all());
        return answer(call, new Reply(out -> {
            for (ExportTable.Export e : list) {
                out.xdrEncodeBoolean(true);
                out.xdrEncodeDynamicOpaque(e.path().getBytes(StandardCharsets.UTF_8));
                out.xdrEncodeBoolean(false); // no group restrictions
            }
            out.xdrEncodeBoolean(false);
        }));
    }

    /** The root handle of the directory a mount path names, admitted by the policy, or why not. */
    private Mounted mount(RpcCall call, String host, byte[] raw) {
        if (raw.length > MAX_MNT_PATH_BYTES) {
            return Mounted.failed(MNT3ERR_NAMETOOLONG);
        }
        String p = Xdr.utf8(raw);
        String path = p == null ? null : normalize(p);
        Optional<ExportTable.Match> match = path == null ? Optional.empty() : exports.match(path);
        if (match.isEmpty()) {
            return Mounted.failed(MNT3ERR_NOENT);
        }
        ExportTable.Export e = match.get().export();
        try {
            ConnectionPolicy.Admission admission = policy.admit(RpcPeer.of(call), e, RpcProgram.credential(call));
            activity.record(e.index(), call);
            long dir = e.fileSystem().rootId();
            for (String name : match.get().below().split("/")) {
                if (name.isEmpty()) {
                    continue;
                }
                Results.Lookup found = e.fileSystem().lookup(admission.caller(), dir, name);
                if (found.attributes().type() != FileType.DIRECTORY) {
                    return Mounted.failed(MNT3ERR_NOTDIR);
                }
                dir = found.fileId();
            }
            byte[] root = handles.encode(e, dir);
            mounts.add(new Mount(host, path));
            return new Mounted(MNT3_OK, root);
        } catch (FsException ex) {
            return Mounted.failed(switch (ex.error()) {
                case NOENT, STALE -> MNT3ERR_NOENT;
                case NOTDIR -> MNT3ERR_NOTDIR;
                case JUKEBOX, IO -> MNT3ERR_IO;
                default -> MNT3ERR_ACCES;
            });
        } catch (RuntimeException ex) {
            LOG.warn("MOUNT mnt of {} from {}: server fault", path, host, ex);
            return Mounted.failed(MNT3ERR_SERVERFAULT);
        }
    }

    /** The meter's status for a mountstat3. */
    static String statusName(int stat) {
        return switch (stat) {
            case MNT3_OK -> "ok";
            case MNT3ERR_NOENT -> "MNT3ERR_NOENT";
            case MNT3ERR_ACCES -> "MNT3ERR_ACCES";
            case MNT3ERR_IO -> "MNT3ERR_IO";
            case MNT3ERR_NOTDIR -> "MNT3ERR_NOTDIR";
            case MNT3ERR_NAMETOOLONG -> "MNT3ERR_NAMETOOLONG";
            case MNT3ERR_SERVERFAULT -> "MNT3ERR_SERVERFAULT";
            default -> "MNT3ERR_" + stat;
        };
    }

    /** "/fs-demo/" names "/fs-demo". */
    static String normalize(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
