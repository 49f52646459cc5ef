package dev.regatta.dataplane.nfs.rpc;

import dev.regatta.dataplane.nfs.rpc.Xdr.Decoder;
import dev.regatta.dataplane.nfs.rpc.Xdr.Encoder;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dcache.oncrpc4j.rpc.OncRpcClient;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcTransport;

/** One RPC call from the node to a client over a fresh TCP connection (callbacks are rare; none is kept open). */
public final class RpcCalls {
    private RpcCalls() {
    }

    /** NLM, NSM and portmap replies are a few hundred bytes. */
    static final int MAX_REPLY_BYTES = 64 << 10;

    /** AUTH_SYS as root of this machine: what Linux's lockd sends its callbacks with. */
    private static final RpcAuth AUTH = new RpcAuthTypeUnix(0, 0, new int[] {0}, 0, "regatta");

    /**
     * Calls {@code procedure} and decodes the reply, all within {@code timeout}.
     *
     * @throws IOException when the connection, the call or the reply's decoding fails, or time runs out
     */
    public static <T> T call(InetSocketAddress address, int program, int version, int procedure, Encoder args,
                      Decoder<T> reply, Duration timeout) throws IOException {
        long millis = Math.max(1, timeout.toMillis());
        OncRpcSvc svc = new OncRpcSvcBuilder()
                .withClientMode()
                .withTCP()
                .withWorkerThreadIoStrategy()
                .withSelectorThreadPoolSize(1)
                .withWorkerThreadPoolSize(1)
                .withoutAutoPublish()
                .withServiceName("regatta-callback")
                .build();
        RpcIntake.limitReplies(svc, MAX_REPLY_BYTES);
        try (OncRpcClient client = new OncRpcClient(address, millis, TimeUnit.MILLISECONDS, svc)) {
            RpcTransport transport = client.connect(millis, TimeUnit.MILLISECONDS);
            Xdr.Decoded<T> result = new Xdr.Decoded<>(reply);
            new RpcCall(program, version, AUTH, transport)
                    .call(procedure, new Reply(args), result, millis, TimeUnit.MILLISECONDS);
            return result.value();
        } catch (TimeoutException e) {
            throw new IOException("no answer from " + address + " within " + timeout, e);
        } catch (RuntimeException e) {
            throw new IOException("call to " + address + " failed: " + e, e);
        }
    }
}
