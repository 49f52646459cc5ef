package dev.regatta.dataplane.nfs.nlm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.nfs.NlmTestClient;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.net.IpProtocolType;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;

/**
 * A client's side of callbacks, for tests: an NLM v4 and NSM v1 service on an ephemeral loopback port that records
 * every call, and the {@link CallbackTarget} that sends the node's callbacks to it (no portmapper, no port 111).
 */
final class CallbackRecorder implements CallbackTarget, AutoCloseable {

    /** A call the node made: the program, the procedure and its decoded arguments. */
    record Call(int program, int proc, Object args) {
    }

    /** nlm4_testres as TEST_RES carries it. */
    record TestRes(byte[] cookie, int stat, NlmTestClient.Holder holder) {
    }

    final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
    final List<NlmPeer> located = new CopyOnWriteArrayList<>();
    /** What GRANTED is answered with (nlm4_stats). */
    volatile int grantedAnswer = NlmTestClient.GRANTED;
    /** The client cannot be reached: locating it fails. */
    volatile boolean unreachable;
    private final OncRpcSvc svc;
    final int port;

    CallbackRecorder() throws IOException {
        svc = new OncRpcSvcBuilder()
                .withTCP()
                .withPort(0)
                .withBindAddress("127.0.0.1")
                .withoutAutoPublish()
                .withWorkerThreadIoStrategy()
                .withServiceName("test-callbacks")
                .withRpcService(new OncRpcProgram(NlmXdr.NLM_PROGRAM, NlmXdr.NLM_V4), this::nlm)
                .withRpcService(new OncRpcProgram(NlmXdr.NSM_PROGRAM, NlmXdr.NSM_V1), this::nsm)
                .build();
        svc.start();
        port = svc.getInetSocketAddress(IpProtocolType.TCP).getPort();
    }

    private void nlm(RpcCall call) throws IOException {
        int proc = call.getProcedure();
        Object args = switch (proc) {
            case NlmXdr.GRANTED -> Xdr.retrieve(call, NlmXdr::testArgs);
            case NlmXdr.TEST_RES -> Xdr.retrieve(call, CallbackRecorder::testRes);
            case NlmXdr.LOCK_RES, NlmXdr.CANCEL_RES, NlmXdr.UNLOCK_RES, NlmXdr.GRANTED_RES ->
                    Xdr.retrieve(call, NlmXdr::res);
            default -> null;
        };
        calls.add(new Call(NlmXdr.NLM_PROGRAM, proc, args));
        if (proc == NlmXdr.GRANTED) {
            byte[] cookie = ((NlmXdr.TestArgs) args).cookie();
            int answer = grantedAnswer;
            call.reply(new Xdr.Reply(out -> {
                out.xdrEncodeDynamicOpaque(cookie);
                out.xdrEncodeInt(answer);
            }));
        } else {
            call.reply(Xdr.Reply.VOID);
        }
    }

    private void nsm(RpcCall call) throws IOException {
        int proc = call.getProcedure();
        Object args = proc == NlmXdr.SM_NOTIFY ? Xdr.retrieve(call, NlmXdr::notify) : null;
        calls.add(new Call(NlmXdr.NSM_PROGRAM, proc, args));
        call.reply(Xdr.Reply.VOID);
    }

    private static TestRes testRes(XdrDecodingStream in) throws IOException {
        byte[] cookie = NlmXdr.netobj(in);
        int stat = in.xdrDecodeInt();
        NlmTestClient.Holder holder = null;
        if (stat == NlmTestClient.DENIED) {
            holder = new NlmTestClient.Holder(in.xdrDecodeInt() != 0, in.xdrDecodeInt(), NlmXdr.netobj(in),
                    in.xdrDecodeLong(), in.xdrDecodeLong());
        }
        return new TestRes(cookie, stat, holder);
    }

    @Override
    public InetSocketAddress locate(NlmPeer peer, int program, int version, Duration timeout) throws IOException {
        located.add(peer);
        if (unreachable) {
            throw new IOException("test client unreachable");
        }
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** The next call, which must be {@code proc} of {@code program}, within a few seconds. */
    Call next(int program, int proc) throws InterruptedException {
        Call c = calls.poll(10, TimeUnit.SECONDS);
        assertThat(c).as("a call of procedure %d of program %d", proc, program).isNotNull();
        assertThat(c.program()).isEqualTo(program);
        assertThat(c.proc()).as("procedure").isEqualTo(proc);
        return c;
    }

    void expectNothingFor(Duration d) throws InterruptedException {
        assertThat(calls.poll(d.toMillis(), TimeUnit.MILLISECONDS)).isNull();
    }

    @Override
    public void close() throws IOException {
        svc.stop();
    }
}
