package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.locks.ByteRangeLock;
import dev.regatta.dataplane.locks.FileKey;
import dev.regatta.dataplane.locks.LockManager;
import dev.regatta.dataplane.locks.LockOwner;
import dev.regatta.dataplane.locks.LockRange;
import dev.regatta.dataplane.locks.ShareReservation;
import dev.regatta.dataplane.nfs.Nfs3Xdr.Reply;
import dev.regatta.dataplane.nfs.NlmXdr.Stat;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NLM v4 (program 100021): byte-range locks and share reservations of NFS files for the clients of every file
 * system, on the NFS port. File handles are the NFS ones: a handle that does not verify, of an export no longer
 * served, or of a file that is gone answers NLM4_STALE_FH. The {@link ConnectionPolicy} admits each call as it
 * admits NFS calls (a refusal answers NLM4_FAILED); on a read-only export or admission, shared locks are granted
 * but an exclusive lock, or a share reservation for writing, answers NLM4_ROFS, as POSIX wants a file open for
 * writing before it can be write-locked.
 *
 * <p>During the grace period after a start only reclaims are granted: other LOCK, TEST, SHARE and NM_LOCK calls
 * answer NLM4_DENIED_GRACE_PERIOD, and so does a reclaim after it (as Linux's lockd does: someone else may hold the
 * lock by then). UNLOCK, CANCEL and UNSHARE are served during it: giving something up is always safe.
 */
final class NlmService implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(NlmService.class);

    private static final String[] NAMES = new String[24];

    static {
        String[] first = {"null", "test", "lock", "cancel", "unlock", "granted", "test_msg", "lock_msg", "cancel_msg",
                "unlock_msg", "granted_msg", "test_res", "lock_res", "cancel_res", "unlock_res", "granted_res"};
        System.arraycopy(first, 0, NAMES, 0, first.length);
        NAMES[NlmXdr.SHARE] = "share";
        NAMES[NlmXdr.UNSHARE] = "unshare";
        NAMES[NlmXdr.NM_LOCK] = "nm_lock";
        NAMES[NlmXdr.FREE_ALL] = "free_all";
    }

    /** A call answered with a status other than the lock's outcome. */
    private static final class Refused extends Exception {
        final Stat stat;

        Refused(Stat stat, String why) {
            super(why, null, false, false);
            this.stat = stat;
        }
    }

    /** The file system asks the client to try later (NFS3ERR_JUKEBOX): NLM has no such status, so no answer. */
    private static final class NoAnswer extends Exception {
        NoAnswer() {
            super(null, null, false, false);
        }
    }

    private record Target(ExportTable.Export export, FileKey key, ConnectionPolicy.Admission admission) {
        boolean readOnly() {
            return admission.readOnly() || export.fileSystem().readOnly();
        }
    }

    private record Tested(Stat stat, NlmXdr.Holder holder) {
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final MeterRegistry metrics;
    private final ClientActivity activity;
    private final Nlm nlm;

    NlmService(ExportTable exports, FileHandles handles, ConnectionPolicy policy, MeterRegistry metrics,
               ClientActivity activity, Nlm nlm) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.metrics = metrics;
        this.activity = activity;
        this.nlm = nlm;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) {
        long start = System.nanoTime();
        int proc = call.getProcedure();
        if (proc < 0 || proc >= NAMES.length || NAMES[proc] == null) {
            call.failProcedureUnavailable();
            record("nlm_unknown", "PROC_UNAVAIL", start);
            return;
        }
        String name = NAMES[proc];
        Object args;
        try {
            args = Nfs3Xdr.retrieve(call, in -> decode(proc, in));
        } catch (IOException | RuntimeException e) {
            LOG.debug("NLM {} from {}: garbage arguments: {}", name, Nfs3Service.remote(call), e.toString());
            call.failRpcGarbage();
            record("nlm_" + name, "GARBAGE_ARGS", start);
            return;
        }
        String status;
        try {
            status = serve(call, proc, args);
        } catch (NoAnswer e) {
            status = "no_answer";
        } catch (RuntimeException e) {
            LOG.warn("NLM {} from {}: server fault", name, Nfs3Service.remote(call), e);
            call.failRpcSystem();
            status = "SYSTEM_ERR";
        }
        record("nlm_" + name, status, start);
        LOG.debug("NLM {} from {}: {}", name, Nfs3Service.remote(call), status);
    }

    private static Object decode(int proc, XdrDecodingStream in) throws IOException {
        return switch (proc) {
            case NlmXdr.TEST, NlmXdr.TEST_MSG, NlmXdr.GRANTED, NlmXdr.GRANTED_MSG -> NlmXdr.testArgs(in);
            case NlmXdr.LOCK, NlmXdr.LOCK_MSG, NlmXdr.NM_LOCK -> NlmXdr.lockArgs(in);
            case NlmXdr.CANCEL, NlmXdr.CANCEL_MSG -> NlmXdr.cancelArgs(in);
            case NlmXdr.UNLOCK, NlmXdr.UNLOCK_MSG -> NlmXdr.unlockArgs(in);
            case NlmXdr.SHARE, NlmXdr.UNSHARE -> NlmXdr.shareArgs(in);
            case NlmXdr.FREE_ALL -> NlmXdr.notify(in);
            // nlm4_testres starts as nlm4_res does (a holder may follow); nothing is done with any of them.
            case NlmXdr.TEST_RES, NlmXdr.LOCK_RES, NlmXdr.CANCEL_RES, NlmXdr.UNLOCK_RES, NlmXdr.GRANTED_RES ->
                    NlmXdr.res(in);
            default -> null; // NULL
        };
    }

    /** Serves a decoded call and answers it; returns the status for the meter. */
    private String serve(RpcCall call, int proc, Object args) throws NoAnswer {
        switch (proc) {
            case NlmXdr.NULL -> {
                call.reply(Reply.VOID);
                return "ok";
            }
            case NlmXdr.TEST, NlmXdr.TEST_MSG -> {
                NlmXdr.TestArgs a = (NlmXdr.TestArgs) args;
                NlmPeer peer = peer(call, a.lock().callerName());
                Tested t = test(call, peer, a);
                Nfs3Xdr.Encoder result = out -> NlmXdr.testRes(out, a.cookie(), t.stat(), t.holder());
                answer(call, proc == NlmXdr.TEST_MSG, peer, NlmXdr.TEST_RES, result);
                return t.stat().tag();
            }
            case NlmXdr.LOCK, NlmXdr.LOCK_MSG, NlmXdr.NM_LOCK -> {
                NlmXdr.LockArgs a = (NlmXdr.LockArgs) args;
                NlmPeer peer = peer(call, a.lock().callerName());
                Stat stat = lock(call, peer, a, proc != NlmXdr.NM_LOCK);
                return res(call, proc == NlmXdr.LOCK_MSG, peer, NlmXdr.LOCK_RES, a.cookie(), stat);
            }
            case NlmXdr.CANCEL, NlmXdr.CANCEL_MSG -> {
                NlmXdr.CancelArgs a = (NlmXdr.CancelArgs) args;
                NlmPeer peer = peer(call, a.lock().callerName());
                Stat stat = cancel(call, peer, a);
                return res(call, proc == NlmXdr.CANCEL_MSG, peer, NlmXdr.CANCEL_RES, a.cookie(), stat);
            }
            case NlmXdr.UNLOCK, NlmXdr.UNLOCK_MSG -> {
                NlmXdr.UnlockArgs a = (NlmXdr.UnlockArgs) args;
                NlmPeer peer = peer(call, a.lock().callerName());
                Stat stat = unlock(call, peer, a);
                return res(call, proc == NlmXdr.UNLOCK_MSG, peer, NlmXdr.UNLOCK_RES, a.cookie(), stat);
            }
            case NlmXdr.GRANTED, NlmXdr.GRANTED_MSG -> {
                // Only a client that waits for a lock is called with GRANTED; the node never waits for one.
                NlmXdr.TestArgs a = (NlmXdr.TestArgs) args;
                NlmPeer peer = peer(call, a.lock().callerName());
                return res(call, proc == NlmXdr.GRANTED_MSG, peer, NlmXdr.GRANTED_RES, a.cookie(), Stat.DENIED);
            }
            case NlmXdr.TEST_RES, NlmXdr.LOCK_RES, NlmXdr.CANCEL_RES, NlmXdr.UNLOCK_RES, NlmXdr.GRANTED_RES -> {
                // Answers to *_MSG calls; the node sends none (its GRANTED callbacks are synchronous).
                call.reply(Reply.VOID);
                return "ok";
            }
            case NlmXdr.SHARE, NlmXdr.UNSHARE -> {
                NlmXdr.ShareArgs a = (NlmXdr.ShareArgs) args;
                NlmPeer peer = peer(call, a.share().callerName());
                Stat stat = proc == NlmXdr.SHARE ? share(call, peer, a) : unshare(call, peer, a);
                call.reply(new Reply(out -> NlmXdr.shareRes(out, a.cookie(), stat)));
                return stat.tag();
            }
            case NlmXdr.FREE_ALL -> {
                NlmXdr.Notify n = (NlmXdr.Notify) args;
                nlm.freeAll(activity.clientOf(call), n.name());
                call.reply(Reply.VOID);
                return "ok";
            }
            default -> {
                call.failProcedureUnavailable();
                return "PROC_UNAVAIL";
            }
        }
    }

    private String res(RpcCall call, boolean async, NlmPeer peer, int resProc, byte[] cookie, Stat stat) {
        answer(call, async, peer, resProc, out -> NlmXdr.res(out, cookie, stat));
        return stat.tag();
    }

    /** A synchronous call gets its result as the reply; a *_MSG call gets an empty reply and a *_RES call back. */
    private void answer(RpcCall call, boolean async, NlmPeer peer, int resProc, Nfs3Xdr.Encoder result) {
        if (async) {
            call.reply(Reply.VOID);
            nlm.respond(peer, resProc, result);
        } else {
            call.reply(new Reply(result));
        }
    }

    // ---- procedures ----------------------------------------------------------------------------------------

    private Tested test(RpcCall call, NlmPeer peer, NlmXdr.TestArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), true);
            LockRange range = range(a.lock());
            if (nlm.grace().active()) {
                return new Tested(Stat.DENIED_GRACE_PERIOD, null);
            }
            Optional<ByteRangeLock> holder = nlm.locks().test(t.key(),
                    new ByteRangeLock(owner(peer, a.lock()), range, a.exclusive()));
            if (holder.isEmpty()) {
                return new Tested(Stat.GRANTED, null);
            }
            ByteRangeLock h = holder.get();
            return new Tested(Stat.DENIED, new NlmXdr.Holder(h.exclusive(), h.owner().svid(), h.owner().handle(),
                    h.range().start(), h.range().length()));
        } catch (Refused r) {
            return new Tested(r.stat, null);
        }
    }

    private Stat lock(RpcCall call, NlmPeer peer, NlmXdr.LockArgs a, boolean monitored) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), true);
            LockRange range = range(a.lock());
            if (a.exclusive() && t.readOnly()) {
                return Stat.ROFS;
            }
            Stat grace = graceCheck(a.reclaim());
            if (grace != null) {
                return grace;
            }
            if (monitored && !monitor(peer)) {
                return Stat.DENIED_NOLOCKS;
            }
            ByteRangeLock request = new ByteRangeLock(owner(peer, a.lock()), range, a.exclusive());
            LockManager.Outcome outcome = nlm.locks().lock(t.key(), request, a.block(),
                    new Nlm.Waiting(peer, a.cookie(), a.lock(), a.exclusive()));
            return switch (outcome) {
                case GRANTED -> Stat.GRANTED;
                case DENIED -> Stat.DENIED;
                case BLOCKED -> Stat.BLOCKED;
                case DEADLOCK -> Stat.DEADLCK;
            };
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat cancel(RpcCall call, NlmPeer peer, NlmXdr.CancelArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), false);
            ByteRangeLock request = new ByteRangeLock(owner(peer, a.lock()), range(a.lock()), a.exclusive());
            return nlm.locks().cancel(t.key(), request) ? Stat.GRANTED : Stat.DENIED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat unlock(RpcCall call, NlmPeer peer, NlmXdr.UnlockArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), false);
            nlm.locks().unlock(t.key(), owner(peer, a.lock()), range(a.lock()));
            return Stat.GRANTED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat share(RpcCall call, NlmPeer peer, NlmXdr.ShareArgs a) throws NoAnswer {
        try {
            NlmXdr.Share s = a.share();
            Target t = resolve(call, s.fh(), true);
            if ((s.access() & ShareReservation.WRITE) != 0 && t.readOnly()) {
                return Stat.ROFS;
            }
            Stat grace = graceCheck(a.reclaim());
            if (grace != null) {
                return grace;
            }
            if (!monitor(peer)) {
                return Stat.DENIED_NOLOCKS;
            }
            LockOwner owner = new LockOwner(peer.client(), s.callerName(), 0, s.oh());
            // fsh4_mode names what is denied to others and fsh4_access what is used, both as read 1 | write 2.
            return nlm.locks().share(t.key(), new ShareReservation(owner, s.access(), s.mode()))
                    ? Stat.GRANTED : Stat.DENIED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat unshare(RpcCall call, NlmPeer peer, NlmXdr.ShareArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.share().fh(), false);
            nlm.locks().unshare(t.key(), new LockOwner(peer.client(), a.share().callerName(), 0, a.share().oh()));
            return Stat.GRANTED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Outside reclaims, nothing new during the grace period; a reclaim only during it. */
    private Stat graceCheck(boolean reclaim) {
        return nlm.grace().active() != reclaim ? Stat.DENIED_GRACE_PERIOD : null;
    }

    private boolean monitor(NlmPeer peer) {
        try {
            nlm.monitor(peer);
            return true;
        } catch (IOException e) {
            LOG.warn("NLM: cannot record client host {} durably, refusing its lock: {}", peer, e.toString());
            return false;
        }
    }

    private NlmPeer peer(RpcCall call, String callerName) {
        InetSocketAddress remote = call.getTransport().getRemoteSocketAddress();
        InetSocketAddress local = call.getTransport().getLocalSocketAddress();
        NlmPeer peer = new NlmPeer(remote, activity.clientOf(call), callerName, local);
        nlm.seen(peer);
        return peer;
    }

    private static LockOwner owner(NlmPeer peer, NlmXdr.Lock lock) {
        return new LockOwner(peer.client(), lock.callerName(), lock.svid(), lock.oh());
    }

    private static LockRange range(NlmXdr.Lock lock) throws Refused {
        try {
            return LockRange.of(lock.offset(), lock.length());
        } catch (LockRange.TooBig e) {
            throw new Refused(Stat.FBIG, e.getMessage());
        }
    }

    /**
     * The export and file a handle names, admitted by the policy.
     *
     * @param fileMustExist look the file up (to take something); giving something up works on a file that is gone
     */
    private Target resolve(RpcCall call, byte[] fh, boolean fileMustExist) throws Refused, NoAnswer {
        FileHandles.Decoded d;
        try {
            d = handles.decode(fh);
        } catch (FsException e) {
            throw new Refused(Stat.STALE_FH, e.getMessage());
        }
        ExportTable.Export export = exports.byIndex(d.exportIndex())
                .orElseThrow(() -> new Refused(Stat.STALE_FH, "no export " + d.exportIndex()));
        ConnectionPolicy.Admission admission;
        try {
            admission = policy.admit(call, export, Nfs3Service.credential(call));
        } catch (FsException e) {
            throw new Refused(Stat.FAILED, e.getMessage());
        }
        activity.record(export.index(), call);
        if (fileMustExist) {
            try {
                export.fileSystem().getattr(d.fileId());
            } catch (FsException e) {
                switch (e.error()) {
                    case JUKEBOX -> throw new NoAnswer();
                    case STALE, NOENT, BADHANDLE -> throw new Refused(Stat.STALE_FH, e.getMessage());
                    default -> throw new Refused(Stat.FAILED, e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.warn("NLM from {}: looking up file {} failed", Nfs3Service.remote(call), d.fileId(), e);
                throw new Refused(Stat.FAILED, e.toString());
            }
        }
        return new Target(export, new FileKey(export.index(), d.fileId()), admission);
    }

    private void record(String procedure, String status, long start) {
        Timer.builder("nfs_requests").description("NFSv3 requests by procedure and status")
                .tag("procedure", procedure).tag("status", status).register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
