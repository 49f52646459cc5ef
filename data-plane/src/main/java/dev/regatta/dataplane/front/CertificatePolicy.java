package dev.regatta.dataplane.front;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.RpcPeer;
import dev.regatta.dataplane.node.Grant;
import dev.regatta.dataplane.node.GrantBook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a connection may do on a node, decided on every MOUNT and NFS call: a connection from the TLS front acts for
 * its client certificate's mount (only that file system, read-only where the certificate or the grant says so, and
 * only while the grant exists, which the node learns with each heartbeat); root is squashed where the grant says so.
 * Connections that did not come through the front reach the plain NFS port, which binds to loopback unless the
 * operator chose otherwise; they are admitted as they are (the operator's own tools on the node) only if allowed.
 */
public final class CertificatePolicy implements ConnectionPolicy {

    private static final Logger log = LoggerFactory.getLogger(CertificatePolicy.class);
    private static final int MAX_LOGGED_REFUSALS = 10_000;

    private final TunnelledConnections connections;
    private final GrantBook grants;
    private final boolean admitUntunnelled;
    /** Mounts already logged as refused, so that a client retrying every second logs once per mount and reason. */
    private final Set<String> loggedRefusals = ConcurrentHashMap.newKeySet();

    public CertificatePolicy(TunnelledConnections connections, GrantBook grants, boolean admitUntunnelled) {
        this.connections = connections;
        this.grants = grants;
        this.admitUntunnelled = admitUntunnelled;
    }

    @Override
    public ConnectionPolicy.Admission admit(RpcPeer peer, ExportTable.Export export, Caller credential)
            throws FsException {
        InetSocketAddress remote = peer.remote();
        Optional<MountIdentity> tunnelled = connections.identityOf(remote);
        if (tunnelled.isEmpty()) {
            if (admitUntunnelled) {
                return new ConnectionPolicy.Admission(credential, false);
            }
            throw refuse("untunnelled:" + remote, "connection from " + remote + " did not come through the TLS front");
        }
        MountIdentity mount = tunnelled.get();
        if (!export.path().equals("/" + mount.fileSystemId())) {
            throw refuse(mount.mountId() + ":export:" + export.path(), "mount " + mount.mountId() + " of "
                    + mount.principal() + " from " + mount.client() + " has a certificate for " + mount.fileSystemId()
                    + ", not for export " + export.path());
        }
        Optional<Grant> grant = grants.grantsOf(mount.fileSystemId()).stream()
                .filter(g -> g.id().equals(mount.grantId()))
                .findFirst();
        if (grant.isEmpty()) {
            throw refuse(mount.mountId() + ":grant", "mount " + mount.mountId() + " of " + mount.principal() + " from "
                    + mount.client() + ": grant " + mount.grantId() + " of " + mount.fileSystemId()
                    + " was removed; the client must mount again once it is granted");
        }
        boolean readOnly = mount.readOnly() || "READ_ONLY".equals(grant.get().access());
        return new ConnectionPolicy.Admission(grant.get().rootSquash() ? squashRoot(credential) : credential, readOnly);
    }

    private static Caller squashRoot(Caller caller) {
        if (caller.uid() != 0) {
            return caller;
        }
        return new Caller(Caller.NOBODY, caller.gid() == 0 ? Caller.NOBODY : caller.gid(), caller.groups());
    }

    private FsException refuse(String key, String reason) {
        if (loggedRefusals.size() > MAX_LOGGED_REFUSALS) {
            loggedRefusals.clear(); // bounded memory; at worst a refusal is logged once more
        }
        if (loggedRefusals.add(key)) {
            log.warn("refused: {}", reason);
        }
        return new FsException(FsError.ACCES, reason);
    }
}
