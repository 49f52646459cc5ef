package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.ExportTable;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.portmap.GenericPortmapClient;
import org.dcache.oncrpc4j.portmap.OncPortmapClient;
import org.dcache.oncrpc4j.portmap.OncRpcEmbeddedPortmap;
import org.dcache.oncrpc4j.rpc.OncRpcClient;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.rpc.net.InetSocketAddresses;
import org.dcache.oncrpc4j.rpc.net.IpProtocolType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NFSv3 + MOUNTv3 server on one TCP port. Calls run on virtual threads, so file system calls may block.
 *
 * <pre>{@code
 * try (NfsServer nfs = NfsServer.start(exports, key, registry, "0.0.0.0", 2049, true)) { ... }
 * }</pre>
 */
public final class NfsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NfsServer.class);
    private static final int PORTMAP_PORT = 111;
    private static final String OWNER = "regatta";

    private final OncRpcSvc svc;
    private final ExecutorService executor;
    private final int port;
    private final OncRpcEmbeddedPortmap portmap;
    private final String uaddr;

    private NfsServer(OncRpcSvc svc, ExecutorService executor, int port, OncRpcEmbeddedPortmap portmap,
                      String uaddr) {
        this.svc = svc;
        this.executor = executor;
        this.port = port;
        this.portmap = portmap;
        this.uaddr = uaddr;
    }

    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, boolean portmap) throws IOException {
        return start(exports, handleKey, metrics, bindAddress, port, portmap, ConnectionPolicy.ALLOW_ALL);
    }

    /**
     * @param port 0 picks a free port; see {@link #port()}
     * @param portmap also run (or register with) a portmapper on port 111 for NFS v3 and MOUNT v3
     * @param policy decides per call who the file system sees and whether the client may write
     */
    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, boolean portmap, ConnectionPolicy policy) throws IOException {
        return start(exports, handleKey, metrics, bindAddress, port, portmap, policy,
                new ClientActivity(ClientActivity.DEFAULT_WINDOW));
    }

    /** @param activity learns which clients call on which export */
    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, boolean portmap, ConnectionPolicy policy, ClientActivity activity)
            throws IOException {
        Objects.requireNonNull(exports, "exports");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(activity, "activity");
        String bind = bindAddress == null || bindAddress.isBlank() ? "0.0.0.0" : bindAddress;
        FileHandles handles = new FileHandles(handleKey);
        RpcDispatchable nfs = new Nfs3Service(exports, handles, policy, metrics, activity);
        RpcDispatchable mount = new MountService(exports, handles, policy, metrics, activity);
        RpcDispatchable nfsMismatch = call -> call.failProgramMismatch(Nfs3Xdr.NFS_V3, Nfs3Xdr.NFS_V3);
        RpcDispatchable mountMismatch = call -> call.failProgramMismatch(Nfs3Xdr.MOUNT_V3, Nfs3Xdr.MOUNT_V3);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("nfs-call-", 0).factory());
        OncRpcSvc svc = new OncRpcSvcBuilder()
                .withTCP()
                .withPort(port)
                .withBindAddress(bind)
                .withoutAutoPublish()
                .withWorkerThreadIoStrategy()
                .withWorkerThreadExecutionService(executor)
                .withTcpNoDelay(true) // small replies must not wait for delayed ACKs (40 ms each)
                .withServiceName("regatta-nfs")
                .withRpcService(new OncRpcProgram(Nfs3Xdr.NFS_PROGRAM, Nfs3Xdr.NFS_V3), nfs)
                .withRpcService(new OncRpcProgram(Nfs3Xdr.NFS_PROGRAM, 2), nfsMismatch)
                .withRpcService(new OncRpcProgram(Nfs3Xdr.NFS_PROGRAM, 4), nfsMismatch)
                .withRpcService(new OncRpcProgram(Nfs3Xdr.MOUNT_PROGRAM, Nfs3Xdr.MOUNT_V3), mount)
                .withRpcService(new OncRpcProgram(Nfs3Xdr.MOUNT_PROGRAM, 1), mountMismatch)
                .withRpcService(new OncRpcProgram(Nfs3Xdr.MOUNT_PROGRAM, 2), mountMismatch)
                .build();
        OncRpcEmbeddedPortmap pm = null;
        String uaddr = null;
        try {
            svc.start();
            int actual = svc.getInetSocketAddress(IpProtocolType.TCP).getPort();
            if (portmap) {
                pm = new OncRpcEmbeddedPortmap();
                uaddr = InetSocketAddresses.uaddrOf(bind, actual);
                register(uaddr);
            }
            LOG.info("NFSv3 and MOUNTv3 listening on {}:{}{}", bind, actual, portmap ? " (portmap on 111)" : "");
            return new NfsServer(svc, executor, actual, pm, uaddr);
        } catch (IOException | RuntimeException e) {
            stopQuietly(svc, pm, executor);
            throw e;
        }
    }

    private static void register(String uaddr) throws IOException {
        try (OncRpcClient client = new OncRpcClient(InetAddress.getLoopbackAddress(), IpProtocolType.TCP,
                PORTMAP_PORT)) {
            OncPortmapClient pm = new GenericPortmapClient(client.connect());
            for (int prog : new int[] {Nfs3Xdr.NFS_PROGRAM, Nfs3Xdr.MOUNT_PROGRAM}) {
                pm.unsetPort(prog, 3, OWNER);
                if (!pm.setPort(prog, 3, "tcp", uaddr, OWNER)) {
                    LOG.warn("portmap refused to register program {} v3 at {}", prog, uaddr);
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("portmap registration timed out", e);
        }
    }

    private static void unregister() {
        try (OncRpcClient client = new OncRpcClient(InetAddress.getLoopbackAddress(), IpProtocolType.TCP,
                PORTMAP_PORT)) {
            OncPortmapClient pm = new GenericPortmapClient(client.connect());
            pm.unsetPort(Nfs3Xdr.NFS_PROGRAM, 3, OWNER);
            pm.unsetPort(Nfs3Xdr.MOUNT_PROGRAM, 3, OWNER);
        } catch (Exception e) {
            LOG.debug("portmap unregistration failed", e);
        }
    }

    /** The TCP port NFS and MOUNT listen on. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        if (uaddr != null) {
            unregister();
        }
        stopQuietly(svc, portmap, executor);
    }

    private static void stopQuietly(OncRpcSvc svc, OncRpcEmbeddedPortmap pm, ExecutorService executor) {
        try {
            svc.stop();
        } catch (Exception e) {
            LOG.warn("stopping the NFS service failed", e);
        }
        if (pm != null) {
            try {
                pm.shutdown();
            } catch (Exception e) {
                LOG.warn("stopping the embedded portmap failed", e);
            }
        }
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
