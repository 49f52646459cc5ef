package dev.regatta.dataplane.nfs.nlm;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.locks.ByteRangeLock;
import dev.regatta.dataplane.locks.FileKey;
import dev.regatta.dataplane.locks.LockManager;
import dev.regatta.dataplane.locks.LockOwner;
import dev.regatta.dataplane.locks.LockRange;
import dev.regatta.dataplane.locks.ShareReservation;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.nlm.NlmXdr.Stat;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.RpcPeer;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.dcache.oncrpc4j.rpc.RpcCall;
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
 * <p>During a file system's grace period (after a start, or after this node came to lead its group) only reclaims
 * of its locks are granted: other LOCK, TEST, SHARE and NM_LOCK calls
 * answer NLM4_DENIED_GRACE_PERIOD, and so does a reclaim after it (as Linux's lockd does: someone else may hold the
 * lock by then). UNLOCK, CANCEL and UNSHARE are served during it: giving something up is always safe.
 */
public final class NlmProgram {

    private static final Logger LOG = LoggerFactory.getLogger(NlmProgram.class);

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

    public static final int PROGRAM = NlmXdr.NLM_PROGRAM;
    public static final int VERSION = NlmXdr.NLM_V4;

    /** A procedure of NLM; {@link NoAnswer} leaves the call unanswered. */
    @FunctionalInterface
    private interface Procedure<A> {
        String serve(RpcCall call, A args) throws NoAnswer;
    }

    private final ExportTable exports;
    private final FileHandles handles;
    private final ConnectionPolicy policy;
    private final ClientActivity activity;
    private final Nlm nlm;

    public NlmProgram(ExportTable exports, FileHandles handles, ConnectionPolicy policy, ClientActivity activity,
                      Nlm nlm) {
        this.exports = exports;
        this.handles = handles;
        this.policy = policy;
        this.activity = activity;
        this.nlm = nlm;
    }

    /** The program to register, timed in {@code nlm_requests}; procedures 16 to 19 do not exist in v4. */
    public RpcProgram rpc(MeterRegistry metrics) {
        return RpcProgram.builder("NLM", "nlm_requests", "NLMv4 requests by procedure and status", metrics)
                .procedure(NlmXdr.NULL, "null", (call, none) -> voidReply(call))
                .procedure(NlmXdr.TEST, "test", NlmXdr::testArgs, answering((c, a) -> test(c, a, false)))
                .procedure(NlmXdr.LOCK, "lock", NlmXdr::lockArgs, answering((c, a) -> lock(c, a, NlmXdr.LOCK)))
                .procedure(NlmXdr.CANCEL, "cancel", NlmXdr::cancelArgs, answering((c, a) -> cancel(c, a, false)))
                .procedure(NlmXdr.UNLOCK, "unlock", NlmXdr::unlockArgs, answering((c, a) -> unlock(c, a, false)))
                .procedure(NlmXdr.GRANTED, "granted", NlmXdr::testArgs, (c, a) -> granted(c, a, false))
                .procedure(NlmXdr.TEST_MSG, "test_msg", NlmXdr::testArgs, answering((c, a) -> test(c, a, true)))
                .procedure(NlmXdr.LOCK_MSG, "lock_msg", NlmXdr::lockArgs,
                        answering((c, a) -> lock(c, a, NlmXdr.LOCK_MSG)))
                .procedure(NlmXdr.CANCEL_MSG, "cancel_msg", NlmXdr::cancelArgs,
                        answering((c, a) -> cancel(c, a, true)))
                .procedure(NlmXdr.UNLOCK_MSG, "unlock_msg", NlmXdr::unlockArgs,
                        answering((c, a) -> unlock(c, a, true)))
                .procedure(NlmXdr.GRANTED_MSG, "granted_msg", NlmXdr::testArgs, (c, a) -> granted(c, a, true))
                // nlm4_testres starts as nlm4_res does (a holder may follow); nothing is done with any of them.
                .procedure(NlmXdr.TEST_RES, "test_res", NlmXdr::res, (c, a) -> voidReply(c))
                .procedure(NlmXdr.LOCK_RES, "lock_res", NlmXdr::res, (c, a) -> voidReply(c))
                .procedure(NlmXdr.CANCEL_RES, "cancel_res", NlmXdr::res, (c, a) -> voidReply(c))
                .procedure(NlmXdr.UNLOCK_RES, "unlock_res", NlmXdr::res, (c, a) -> voidReply(c))
                .procedure(NlmXdr.GRANTED_RES, "granted_res", NlmXdr::res, (c, a) -> voidReply(c))
                .procedure(NlmXdr.SHARE, "share", NlmXdr::shareArgs, answering((c, a) -> share(c, a, false)))
                .procedure(NlmXdr.UNSHARE, "unshare", NlmXdr::shareArgs, answering((c, a) -> share(c, a, true)))
                .procedure(NlmXdr.NM_LOCK, "nm_lock", NlmXdr::lockArgs,
                        answering((c, a) -> lock(c, a, NlmXdr.NM_LOCK)))
                .procedure(NlmXdr.FREE_ALL, "free_all", NlmXdr::notify, this::freeAll)
                .build();
    }

    private static <A> RpcProgram.Handler<A> answering(Procedure<A> procedure) {
        return (call, args) -> {
            try {
                return procedure.serve(call, args);
            } catch (NoAnswer e) {
                return "no_answer";
            }
        };
    }

    /** NULL, and the *_RES answers to *_MSG calls: the node sends none (its GRANTED callbacks are synchronous). */
    private static String voidReply(RpcCall call) {
        call.reply(Reply.VOID);
        return "ok";
    }

    private String test(RpcCall call, NlmXdr.TestArgs a, boolean async) throws NoAnswer {
        NlmPeer peer = peer(call, a.lock().callerName());
        Tested t = tested(call, peer, a);
        answer(call, async, peer, NlmXdr.TEST_RES, out -> NlmXdr.testRes(out, a.cookie(), t.stat(), t.holder()));
        return t.stat().tag();
    }

    /** LOCK, LOCK_MSG, or NM_LOCK (a lock without monitoring the client, for clients without a statd). */
    private String lock(RpcCall call, NlmXdr.LockArgs a, int proc) throws NoAnswer {
        NlmPeer peer = peer(call, a.lock().callerName());
        Stat stat = locked(call, peer, a, proc != NlmXdr.NM_LOCK);
        return res(call, proc == NlmXdr.LOCK_MSG, peer, NlmXdr.LOCK_RES, a.cookie(), stat);
    }

    private String cancel(RpcCall call, NlmXdr.CancelArgs a, boolean async) throws NoAnswer {
        NlmPeer peer = peer(call, a.lock().callerName());
        return res(call, async, peer, NlmXdr.CANCEL_RES, a.cookie(), cancelled(call, peer, a));
    }

    private String unlock(RpcCall call, NlmXdr.UnlockArgs a, boolean async) throws NoAnswer {
        NlmPeer peer = peer(call, a.lock().callerName());
        return res(call, async, peer, NlmXdr.UNLOCK_RES, a.cookie(), unlocked(call, peer, a));
    }

    /** Only a client that waits for a lock is called with GRANTED; the node never waits for one. */
    private String granted(RpcCall call, NlmXdr.TestArgs a, boolean async) {
        NlmPeer peer = peer(call, a.lock().callerName());
        return res(call, async, peer, NlmXdr.GRANTED_RES, a.cookie(), Stat.DENIED);
    }

    private String share(RpcCall call, NlmXdr.ShareArgs a, boolean unshare) throws NoAnswer {
        NlmPeer peer = peer(call, a.share().callerName());
        Stat stat = unshare ? unshared(call, peer, a) : shared(call, peer, a);
        call.reply(new Reply(out -> NlmXdr.shareRes(out, a.cookie(), stat)));
        return stat.tag();
    }

    private String freeAll(RpcCall call, NlmXdr.Notify n) {
        nlm.freeAll(activity.clientOf(call), n.name());
        return voidReply(call);
    }

    private String res(RpcCall call, boolean async, NlmPeer peer, int resProc, byte[] cookie, Stat stat) {
        answer(call, async, peer, resProc, out -> NlmXdr.res(out, cookie, stat));
        return stat.tag();
    }

    /** A synchronous call gets its result as the reply; a *_MSG call gets an empty reply and a *_RES call back. */
    private void answer(RpcCall call, boolean async, NlmPeer peer, int resProc, Xdr.Encoder result) {
        if (async) {
            call.reply(Reply.VOID);
            nlm.respond(peer, resProc, result);
        } else {
            call.reply(new Reply(result));
        }
    }

    // ---- procedures ----------------------------------------------------------------------------------------

    private Tested tested(RpcCall call, NlmPeer peer, NlmXdr.TestArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), true);
            LockRange range = range(a.lock());
            if (nlm.inGrace(t.key().fileSystem())) {
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

    private Stat locked(RpcCall call, NlmPeer peer, NlmXdr.LockArgs a, boolean monitored) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), true);
            LockRange range = range(a.lock());
            if (a.exclusive() && t.readOnly()) {
                return Stat.ROFS;
            }
            Stat grace = graceCheck(t, a.reclaim());
            if (grace != null) {
                return grace;
            }
            if (monitored && !monitor(peer, t)) {
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

    private Stat cancelled(RpcCall call, NlmPeer peer, NlmXdr.CancelArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), false);
            ByteRangeLock request = new ByteRangeLock(owner(peer, a.lock()), range(a.lock()), a.exclusive());
            return nlm.locks().cancel(t.key(), request) ? Stat.GRANTED : Stat.DENIED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat unlocked(RpcCall call, NlmPeer peer, NlmXdr.UnlockArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.lock().fh(), false);
            nlm.locks().unlock(t.key(), owner(peer, a.lock()), range(a.lock()));
            return Stat.GRANTED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    private Stat shared(RpcCall call, NlmPeer peer, NlmXdr.ShareArgs a) throws NoAnswer {
        try {
            NlmXdr.Share s = a.share();
            Target t = resolve(call, s.fh(), true);
            if ((s.access() & ShareReservation.WRITE) != 0 && t.readOnly()) {
                return Stat.ROFS;
            }
            Stat grace = graceCheck(t, a.reclaim());
            if (grace != null) {
                return grace;
            }
            if (!monitor(peer, t)) {
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

    private Stat unshared(RpcCall call, NlmPeer peer, NlmXdr.ShareArgs a) throws NoAnswer {
        try {
            Target t = resolve(call, a.share().fh(), false);
            nlm.locks().unshare(t.key(), new LockOwner(peer.client(), a.share().callerName(), 0, a.share().oh()));
            return Stat.GRANTED;
        } catch (Refused r) {
            return r.stat;
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Outside reclaims, nothing new during the file system's grace period; a reclaim only during it. */
    private Stat graceCheck(Target t, boolean reclaim) {
        return nlm.inGrace(t.key().fileSystem()) != reclaim ? Stat.DENIED_GRACE_PERIOD : null;
    }

    private boolean monitor(NlmPeer peer, Target t) {
        try {
            nlm.monitor(peer, t.key().fileSystem());
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
        FileHandles.Resolved d;
        try {
            d = handles.decode(fh, exports);
        } catch (FsException e) {
            throw new Refused(Stat.STALE_FH, e.getMessage());
        }
        ExportTable.Export export = d.export();
        ConnectionPolicy.Admission admission;
        try {
            admission = policy.admit(RpcPeer.of(call), export, RpcProgram.credential(call));
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
                LOG.warn("NLM from {}: looking up file {} failed", RpcProgram.remote(call), d.fileId(), e);
                throw new Refused(Stat.FAILED, e.toString());
            }
        }
        return new Target(export, new FileKey(export.index(), d.fileId()), admission);
    }
}
