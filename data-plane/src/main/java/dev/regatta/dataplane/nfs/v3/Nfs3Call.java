package dev.regatta.dataplane.nfs.v3;

import dev.regatta.dataplane.fs.Attributes;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.RpcPeer;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import org.dcache.oncrpc4j.rpc.RpcCall;

/**
 * Per-call state of an NFSv3 call: the export its first handle names (all its handles must name the same one), the
 * caller the {@link ConnectionPolicy} admitted, and which inodes the error reply should describe. The export is
 * resolved, and the call admitted and counted, when the procedure resolves its first handle.
 */
final class Nfs3Call {

    private final RpcCall call;
    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final ClientActivity activity;
    private ExportTable.Export export;
    private ConnectionPolicy.Admission admission;
    /** The file ids the resfail arm's post_op_attr/wcc_data fields describe, by field; -1 for none. */
    final long[] failIds = {-1, -1};

    Nfs3Call(RpcCall call, ExportTable exports, FileHandles handles, ConnectionPolicy policy,
             ClientActivity activity) {
        this.call = call;
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.activity = activity;
    }

    /** Resolves a handle to a file id in this call's export; {@code slot} names the error-reply field. */
    long resolve(byte[] fh, int slot) throws FsException {
        if (fh.length > FileHandles.MAX_LENGTH) {
            throw new FsException(FsError.BADHANDLE, "handle too long");
        }
        FileHandles.Resolved d = handles.decode(fh, exports);
        ExportTable.Export e = d.export();
        if (export == null) {
            export = e;
            admission = policy.admit(RpcPeer.of(call), e, RpcProgram.credential(call));
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

    /** Whether the client may not change anything: its admission or the file system says so. */
    boolean readOnly() {
        return admission.readOnly() || fs().readOnly();
    }

    void writable() throws FsException {
        if (readOnly()) {
            throw new FsException(FsError.ROFS, "read-only export " + export.path());
        }
    }

    byte[] handleOf(long fileId) throws FsException {
        return handles.encode(export, fileId);
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
