package dev.regatta.dataplane.nfs.rpc;

import dev.regatta.dataplane.fs.Caller;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton every RPC program of the node shares (NFS v3, MOUNT v3, NLM v4, NSM v1), so that a protocol is only
 * its procedures, one short method each: a procedure number the program does not serve answers PROC_UNAVAIL,
 * arguments that do not decode answer GARBAGE_ARGS, a procedure that fails unexpectedly answers SYSTEM_ERR, and
 * every call is timed into the program's own timer (e.g. {@code nfs_requests}) by procedure and status. A program
 * maps its own errors to its own statuses inside its procedures (NFS's nfsstat3, NLM's nlm4_stats); the status a
 * procedure returns is the meter's {@code status} tag. The timer publishes a histogram ({@code _bucket} series, see
 * {@link #SERVICE_TIME_BUCKETS}) so that a scraper can tell service-time percentiles per procedure from two scrapes.
 */
public final class RpcProgram implements RpcDispatchable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcProgram.class);

    /**
     * The bounds of every program's service-time histogram. Ten per decade (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8) from
     * 10 us to 100 ms, where a call served from memory, by a local fsync or by one S3 request lands: a percentile
     * interpolated inside a bucket is off by at most a third of it, and the goals' thresholds (100 us, 200 us, 1 ms)
     * are bounds themselves, so whether a p50 is under 100 us is read exactly. Then 250 ms to 10 s for calls stuck
     * behind S3 or a lock. 47 bounds plus +Inf: one bucket line per bound per procedure and status seen.
     */
    static final Duration[] SERVICE_TIME_BUCKETS = serviceTimeBuckets();

    private static Duration[] serviceTimeBuckets() {
        long[] steps = {100, 125, 150, 200, 250, 300, 400, 500, 600, 800}; // hundredths of the decade's first bound
        List<Duration> bounds = new ArrayList<>();
        for (long decade = 10_000; decade < 100_000_000; decade *= 10) { // 10 us, 100 us, 1 ms, 10 ms (in ns)
            for (long step : steps) {
                bounds.add(Duration.ofNanos(decade * step / 100));
            }
        }
        for (long ms : new long[] {100, 250, 500, 1000, 2500, 5000, 10_000}) {
            bounds.add(Duration.ofMillis(ms));
        }
        return bounds.toArray(new Duration[0]);
    }

    /** Serves one call with its decoded arguments and answers it; returns the status for the meter. */
    @FunctionalInterface
    public interface Handler<A> {
        String serve(RpcCall call, A args);
    }

    private record Procedure<A>(String name, Xdr.Decoder<A> decoder, Handler<A> handler) {
    }

    private final String program;
    private final String metric;
    private final String description;
    private final MeterRegistry metrics;
    private final Procedure<?>[] procedures;

    private RpcProgram(Builder b) {
        this.program = b.program;
        this.metric = b.metric;
        this.description = b.description;
        this.metrics = b.metrics;
        this.procedures = b.procedures.toArray(new Procedure<?>[0]);
    }

    /**
     * @param program     the program's name in logs, e.g. "NFS"
     * @param metric      its timer, e.g. {@code nfs_requests}
     * @param description the timer's description
     */
    public static Builder builder(String program, String metric, String description, MeterRegistry metrics) {
        return new Builder(program, metric, description, metrics);
    }

    /** The procedure table of one program, by procedure number. */
    public static final class Builder {
        private final String program;
        private final String metric;
        private final String description;
        private final MeterRegistry metrics;
        private final List<Procedure<?>> procedures = new ArrayList<>();

        private Builder(String program, String metric, String description, MeterRegistry metrics) {
            this.program = program;
            this.metric = metric;
            this.description = description;
            this.metrics = metrics;
        }

        /** Procedure {@code number}, named {@code name} in the meter, with arguments read by {@code decoder}. */
        public <A> Builder procedure(int number, String name, Xdr.Decoder<A> decoder, Handler<A> handler) {
            while (procedures.size() <= number) {
                procedures.add(null);
            }
            if (procedures.get(number) != null) {
                throw new IllegalArgumentException(program + " procedure " + number + " given twice");
            }
            procedures.set(number, new Procedure<>(name, decoder, handler));
            return this;
        }

        /** A procedure without arguments (void). */
        public Builder procedure(int number, String name, Handler<Void> handler) {
            return procedure(number, name, in -> null, handler);
        }

        public RpcProgram build() {
            return new RpcProgram(this);
        }
    }

    /** What the node answers for a version of a program it does not serve: PROG_MISMATCH with the one it does. */
    public static RpcDispatchable mismatch(int served) {
        return call -> call.failProgramMismatch(served, served);
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) {
        long start = System.nanoTime();
        int number = call.getProcedure();
        Procedure<?> p = number >= 0 && number < procedures.length ? procedures[number] : null;
        if (p == null) {
            call.failProcedureUnavailable();
            record("unknown", "PROC_UNAVAIL", start);
            return;
        }
        String status = serve(p, call);
        record(p.name(), status, start);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} from {}: {} in {} us", program, p.name(), remote(call), status,
                    (System.nanoTime() - start) / 1000);
        }
    }

    private <A> String serve(Procedure<A> p, RpcCall call) {
        A args;
        try {
            args = Xdr.retrieve(call, p.decoder());
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} {} from {}: garbage arguments: {}", program, p.name(), remote(call), e.toString());
            call.failRpcGarbage();
            return "GARBAGE_ARGS";
        }
        try {
            return p.handler().serve(call, args);
        } catch (RuntimeException e) {
            LOG.warn("{} {} from {}: server fault", program, p.name(), remote(call), e);
            call.failRpcSystem();
            return "SYSTEM_ERR";
        }
    }

    private void record(String procedure, String status, long start) {
        timer(procedure, status).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /** The program's timer for one procedure and status (registered on first use). */
    Timer timer(String procedure, String status) {
        return Timer.builder(metric).description(description)
                .tag("procedure", procedure).tag("status", status)
                .serviceLevelObjectives(SERVICE_TIME_BUCKETS)
                .register(metrics);
    }

    /** The caller the RPC credential names: AUTH_SYS's ids, or ANONYMOUS for any other flavour. */
    public static Caller credential(RpcCall call) {
        RpcAuth auth = call.getCredential();
        if (auth instanceof RpcAuthTypeUnix unix) {
            int[] gids = unix.gids();
            return new Caller(unix.uid(), unix.gid(), gids == null ? new int[0] : gids.clone());
        }
        return Caller.ANONYMOUS;
    }

    /** The call's remote address for logs ("?" when the transport cannot tell). */
    public static String remote(RpcCall call) {
        try {
            return String.valueOf(call.getTransport().getRemoteSocketAddress());
        } catch (RuntimeException e) {
            return "?";
        }
    }
}
