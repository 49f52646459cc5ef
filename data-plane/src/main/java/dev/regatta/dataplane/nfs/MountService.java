package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.fs.Results;
import dev.regatta.dataplane.nfs.Nfs3Xdr.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** MOUNT v3 (RFC 1813 appendix I): hands out root handles and remembers who mounted what. */
final class MountService implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(MountService.class);

    static final int MNT3_OK = 0;
    static final int MNT3ERR_NOENT = 2;
    static final int MNT3ERR_IO = 5;
    static final int MNT3ERR_ACCES = 13;
    static final int MNT3ERR_NOTDIR = 20;
    static final int MNT3ERR_NAMETOOLONG = 63;
    static final int MNT3ERR_SERVERFAULT = 10006;
    static final int AUTH_NONE = 0;
    static final int AUTH_SYS = 1;

    private static final String[] PROCS = {"null", "mnt", "dump", "umnt", "umntall", "export"};

    record Mount(String host, String path) {
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final MeterRegistry metrics;
    private final ClientActivity activity;
    private final Set<Mount> mounts = ConcurrentHashMap.newKeySet();

    MountService(ExportTable exports, FileHandles handles, ConnectionPolicy policy, MeterRegistry metrics,
                 ClientActivity activity) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.metrics = metrics;
        this.activity = activity;
    }

    /** The mounts DUMP reports. */
    List<Mount> mounts() {
        return List.copyOf(mounts);
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) {
        long start = System.nanoTime();
        int proc = call.getProcedure();
        if (proc < 0 || proc >= PROCS.length) {
            call.failProcedureUnavailable();
            record("mount_unknown", "PROC_UNAVAIL", start);
            return;
        }
        byte[] path;
        try {
            path = Nfs3Xdr.retrieve(call, in -> proc == 1 || proc == 3 ? Nfs3Xdr.name(in) : null);
        } catch (IOException | RuntimeException e) {
            LOG.debug("MOUNT {} from {}: garbage arguments: {}", PROCS[proc], Nfs3Service.remote(call), e.toString());
            call.failRpcGarbage();
            record("mount_" + PROCS[proc], "GARBAGE_ARGS", start);
            return;
        }
        String host = host(call);
        String status = "ok";
        switch (proc) {
            case 1 -> {
                int[] stat = {MNT3_OK};
                byte[] root = mnt(call, host, path, stat);
                status = statusName(stat[0]);
                call.reply(new Reply(out -> {
                    out.xdrEncodeInt(stat[0]);
                    if (stat[0] == MNT3_OK) {
                        out.xdrEncodeDynamicOpaque(root);
                        out.xdrEncodeInt(2);
                        out.xdrEncodeInt(AUTH_SYS);
                        out.xdrEncodeInt(AUTH_NONE);
                    }
                }));
            }
            case 2 -> {
                List<Mount> list = mounts();
                call.reply(new Reply(out -> {
                    for (Mount m : list) {
                        out.xdrEncodeBoolean(true);
                        out.xdrEncodeDynamicOpaque(m.host().getBytes(StandardCharsets.UTF_8));
                        out.xdrEncodeDynamicOpaque(m.path().getBytes(StandardCharsets.UTF_8));
                    }
                    out.xdrEncodeBoolean(false);
                }));
            }
            case 3 -> {
                String p = Nfs3Xdr.utf8(path);
                if (p != null) {
                    mounts.remove(new Mount(host, normalize(p)));
                }
                call.reply(Reply.VOID);
            }
            case 4 -> {
                mounts.removeIf(m -> m.host().equals(host));
                call.reply(Reply.VOID);
            }
            case 5 -> {
                List<ExportTable.Export> list = List.copyOf(exports.all());
                call.reply(new Reply(out -> {
                    for (ExportTable.Export e : list) {
                        out.xdrEncodeBoolean(true);
                        out.xdrEncodeDynamicOpaque(e.path().getBytes(StandardCharsets.UTF_8));
                        out.xdrEncodeBoolean(false); // no group restrictions
                    }
                    out.xdrEncodeBoolean(false);
                }));
            }
            default -> call.reply(Reply.VOID);
        }
        record("mount_" + PROCS[proc], status, start);
        LOG.debug("MOUNT {} {} from {}: {}", PROCS[proc], path == null ? "" : Nfs3Xdr.utf8(path), host, status);
    }

    private byte[] mnt(RpcCall call, String host, byte[] raw, int[] stat) {
        if (raw.length > Nfs3Xdr.MAX_MNT_PATH_BYTES) {
            stat[0] = MNT3ERR_NAMETOOLONG;
            return null;
        }
        String p = Nfs3Xdr.utf8(raw);
        String path = p == null ? null : normalize(p);
        Optional<ExportTable.Match> match = path == null ? Optional.empty() : exports.match(path);
        if (match.isEmpty()) {
            stat[0] = MNT3ERR_NOENT;
            return null;
        }
        ExportTable.Export e = match.get().export();
        try {
            ConnectionPolicy.Admission admission = policy.admit(call, e, Nfs3Service.credential(call));
            activity.record(e.index(), call);
            long dir = e.fileSystem().rootId();
            for (String name : match.get().below().split("/")) {
                if (name.isEmpty()) {
                    continue;
                }
                Results.Lookup found = e.fileSystem().lookup(admission.caller(), dir, name);
                if (found.attributes().type() != FileType.DIRECTORY) {
                    stat[0] = MNT3ERR_NOTDIR;
                    return null;
                }
                dir = found.fileId();
            }
            byte[] root = handles.encode(e.index(), dir);
            mounts.add(new Mount(host, path));
            return root;
        } catch (FsException ex) {
            stat[0] = switch (ex.error()) {
                case NOENT, STALE -> MNT3ERR_NOENT;
                case NOTDIR -> MNT3ERR_NOTDIR;
                case JUKEBOX, IO -> MNT3ERR_IO;
                default -> MNT3ERR_ACCES;
            };
        } catch (RuntimeException ex) {
            LOG.warn("MOUNT mnt of {} from {}: server fault", path, host, ex);
            stat[0] = MNT3ERR_SERVERFAULT;
        }
        return null;
    }

    /** The export a mount path names: the export itself or a directory below it. */
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

    private static String host(RpcCall call) {
        return ClientActivity.clientAddress(call);
    }

    private void record(String procedure, String status, long start) {
        Timer.builder("nfs_requests").description("NFSv3 requests by procedure and status")
                .tag("procedure", procedure).tag("status", status).register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
