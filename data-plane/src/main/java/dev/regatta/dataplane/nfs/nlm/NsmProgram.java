package dev.regatta.dataplane.nfs.nlm;

import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one part of NSM (program 100024 v1) a lock server needs from its status monitor: SM_NOTIFY, by which a client
 * that restarted says its locks are gone (Linux's sm-notify sends it at boot to every server it held locks on). The
 * node releases every lock, waiting request and share reservation of that host: the host named {@code mon_name} (its
 * NLM {@code caller_name}, or its address) at the network identity the notification comes from, so that no one can
 * free another machine's locks. NULL is answered too; the monitoring procedures (SM_STAT, SM_MON, ...) are a local
 * statd's business and answer PROC_UNAVAIL.
 */
public final class NsmProgram {

    private static final Logger LOG = LoggerFactory.getLogger(NsmProgram.class);

    public static final int PROGRAM = NlmXdr.NSM_PROGRAM;
    public static final int VERSION = NlmXdr.NSM_V1;

    private final ClientActivity activity;
    private final Nlm nlm;

    public NsmProgram(ClientActivity activity, Nlm nlm) {
        this.activity = activity;
        this.nlm = nlm;
    }

    /** The program to register (on TCP and UDP), timed in {@code nsm_requests}. */
    public RpcProgram rpc(MeterRegistry metrics) {
        return RpcProgram.builder("NSM", "nsm_requests", "NSM requests by procedure and status", metrics)
                .procedure(NlmXdr.SM_NULL, "null", (call, none) -> {
                    call.reply(Reply.VOID);
                    return "ok";
                })
                .procedure(NlmXdr.SM_NOTIFY, "notify", NlmXdr::notify, this::notify)
                .build();
    }

    /** Answers before releasing what the host held: the release may take a while, and the client needs nothing back. */
    private String notify(RpcCall call, NlmXdr.Notify n) {
        call.reply(Reply.VOID);
        try {
            nlm.rebooted(activity.clientOf(call), n.name(), n.state());
        } catch (RuntimeException e) {
            LOG.warn("NSM notify of {} from {}: releasing its locks failed", n.name(), RpcProgram.remote(call), e);
            return "SYSTEM_ERR";
        }
        return "ok";
    }
}
