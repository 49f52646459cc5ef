package dev.regatta.dataplane.nfs.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.dcache.oncrpc4j.portmap.OncRpcPortmap;
import org.dcache.oncrpc4j.portmap.OncRpcbindServer;
import org.dcache.oncrpc4j.rpc.OncRpcClient;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeNone;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.rpc.net.IpProtocolType;
import org.dcache.oncrpc4j.xdr.XdrVoid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A portmapper on port 111 when the machine runs none: oncrpc4j's rpcbind service on TCP and UDP, its TCP listener
 * behind the node's {@link RpcIntake} like the NFS port (oncrpc4j's own embedded portmap cannot be guarded).
 */
public final class EmbeddedPortmap implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPortmap.class);
    /** Portmap calls are a few hundred bytes; SET and UNSET carry short strings. */
    static final int MAX_RECORD_BYTES = 16 << 10;

    private final OncRpcSvc svc;

    private EmbeddedPortmap(OncRpcSvc svc) {
        this.svc = svc;
    }

    /** Starts one unless a portmapper answers on 111 within two seconds; null if one already runs. */
    public static EmbeddedPortmap startUnlessRunning(RpcIntake intake) {
        if (running()) {
            LOG.info("a portmapper already runs on port 111; registering with it");
            return null;
        }
        OncRpcSvc svc = new OncRpcSvcBuilder()
                .withPort(OncRpcPortmap.PORTMAP_PORT)
                .withTCP()
                .withUDP()
                .withoutAutoPublish()
                .withServiceName("regatta-portmap")
                .withRpcService(new OncRpcProgram(OncRpcPortmap.PORTMAP_PROGRAMM, OncRpcPortmap.PORTMAP_V2),
                        new OncRpcbindServer())
                .build();
        intake.guard(svc, "portmap", MAX_RECORD_BYTES);
        try {
            svc.start();
            LOG.info("embedded portmap listening on port 111");
            return new EmbeddedPortmap(svc);
        } catch (IOException e) {
            LOG.error("cannot start the embedded portmap on port 111: {}", e.getMessage());
            return null;
        }
    }

    private static boolean running() {
        try (OncRpcClient client = new OncRpcClient(InetAddress.getLoopbackAddress(), IpProtocolType.UDP,
                OncRpcPortmap.PORTMAP_PORT)) {
            RpcTransport transport = client.connect();
            for (int version = 4; version > 1; version--) {
                RpcCall call = new RpcCall(OncRpcPortmap.PORTMAP_PROGRAMM, version, new RpcAuthTypeNone(), transport);
                try {
                    call.call(0, XdrVoid.XDR_VOID, XdrVoid.XDR_VOID, 2, TimeUnit.SECONDS);
                    return true;
                } catch (TimeoutException | OncRpcException e) {
                    LOG.debug("portmap v{} ping: {}", version, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.debug("portmap ping: {}", e.toString());
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        svc.stop();
    }
}
