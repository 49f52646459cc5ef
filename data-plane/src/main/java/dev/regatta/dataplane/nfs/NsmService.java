package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.nfs.Nfs3Xdr.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
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
final class NsmService implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(NsmService.class);

    private final MeterRegistry metrics;
    private final ClientActivity activity;
    private final Nlm nlm;

    NsmService(MeterRegistry metrics, ClientActivity activity, Nlm nlm) {
        this.metrics = metrics;
        this.activity = activity;
        this.nlm = nlm;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) {
        long start = System.nanoTime();
        int proc = call.getProcedure();
        switch (proc) {
            case NlmXdr.SM_NULL -> {
                call.reply(Reply.VOID);
                record("nsm_null", "ok", start);
            }
            case NlmXdr.SM_NOTIFY -> {
                NlmXdr.Notify n;
                try {
                    n = Nfs3Xdr.retrieve(call, NlmXdr::notify);
                } catch (IOException | RuntimeException e) {
                    LOG.debug("NSM notify from {}: garbage arguments: {}", Nfs3Service.remote(call), e.toString());
                    call.failRpcGarbage();
                    record("nsm_notify", "GARBAGE_ARGS", start);
                    return;
                }
                call.reply(Reply.VOID);
                nlm.rebooted(activity.clientOf(call), n.name(), n.state());
                record("nsm_notify", "ok", start);
            }
            default -> {
                call.failProcedureUnavailable();
                record("nsm_unknown", "PROC_UNAVAIL", start);
            }
        }
    }

    private void record(String procedure, String status, long start) {
        Timer.builder("nfs_requests").description("NFSv3 requests by procedure and status")
                .tag("procedure", procedure).tag("status", status).register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
