package dev.regatta.dataplane.nfs.rpc;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsException;

/**
 * Decides, per call, who the file system sees and whether the client may change anything: the seam for
 * per-client rules such as root squash or read-only clients. Throwing refuses the call with the mapped status
 * (MNT answers MNT3ERR_ACCES).
 */
@FunctionalInterface
public interface ConnectionPolicy {

    /** The outcome: the caller to pass to the file system, and whether mutating calls get NFS3ERR_ROFS. */
    record Admission(Caller caller, boolean readOnly) {
    }

    /**
     * @param peer the connection the call came on
     * @param export the export the call's file handle (or MNT path) names
     * @param credential the caller from the RPC credential (AUTH_SYS, or ANONYMOUS for AUTH_NONE)
     */
    Admission admit(RpcPeer peer, ExportTable.Export export, Caller credential) throws FsException;

    ConnectionPolicy ALLOW_ALL = (peer, export, credential) -> new Admission(credential, false);
}
