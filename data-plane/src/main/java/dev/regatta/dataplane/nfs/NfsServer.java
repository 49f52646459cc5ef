package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.nfs.mount.Mount3Program;
import dev.regatta.dataplane.nfs.nlm.Nlm;
import dev.regatta.dataplane.nfs.nlm.NlmProgram;
import dev.regatta.dataplane.nfs.nlm.NsmProgram;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.EmbeddedPortmap;
import dev.regatta.dataplane.nfs.rpc.RpcIntake;
import dev.regatta.dataplane.nfs.rpc.RpcProgram;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import dev.regatta.dataplane.nfs.v3.Nfs3Program;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.portmap.GenericPortmapClient;
import org.dcache.oncrpc4j.portmap.OncPortmapClient;
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
 * The NFSv3 + MOUNTv3 + NLMv4 server on one TCP port, with NSM's SM_NOTIFY on it too (and on UDP at the same port
 * number, as sm-notify speaks only UDP). Calls run on virtual threads, so file system calls may block.
 *
 * <pre>{@code
 * try (NfsServer nfs = NfsServer.start(exports, key, registry, "0.0.0.0", 2049, true)) { ... }
 * }</pre>
 */
public final class NfsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NfsServer.class);
    private static final int PORTMAP_PORT = 111;
    private static final String OWNER = "regatta";
    /** The largest call a client may send: a WRITE of the wtmax FSINFO advertises, with its headers. */
    static final int MAX_RECORD_BYTES = Nfs3Program.WTMAX + RpcIntake.CALL_HEADROOM;

    private final OncRpcSvc svc;
    private final OncRpcSvc udp;
    private final ExecutorService executor;
    private final int port;
    private final EmbeddedPortmap portmap;
    private final RpcIntake intake;
    private final String uaddr;
    private final Nlm nlm;
    private final boolean ownsNlm;

    private NfsServer(OncRpcSvc svc, OncRpcSvc udp, ExecutorService executor, int port, EmbeddedPortmap portmap,
                      RpcIntake intake, String uaddr, Nlm nlm, boolean ownsNlm) {
        this.svc = svc;
        this.udp = udp;
        this.executor = executor;
        this.port = port;
        this.portmap = portmap;
        this.intake = intake;
        this.uaddr = uaddr;
        this.nlm = nlm;
        this.ownsNlm = ownsNlm;
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

    /**
     * With a lock service of its own that forgets its client hosts when the server stops.
     *
     * @param activity learns which clients call on which export
     */
    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, boolean portmap, ConnectionPolicy policy, ClientActivity activity)
            throws IOException {
        return start(exports, handleKey, metrics, bindAddress, port, portmap, policy, activity, Nlm.inMemory(), true,
                RpcIntake.Limits.defaults());
    }

    /** With the intake's limits given (the others take {@link RpcIntake.Limits#defaults()}). */
    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, RpcIntake.Limits limits) throws IOException {
        return start(exports, handleKey, metrics, bindAddress, port, false, ConnectionPolicy.ALLOW_ALL,
                new ClientActivity(ClientActivity.DEFAULT_WINDOW), Nlm.inMemory(), true, limits);
    }

    /** @param nlm the node's lock service behind NLM and NSM; the caller closes it after the server */
    public static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                  int port, boolean portmap, ConnectionPolicy policy, ClientActivity activity,
                                  Nlm nlm) throws IOException {
        return start(exports, handleKey, metrics, bindAddress, port, portmap, policy, activity, nlm, false,
                RpcIntake.Limits.defaults());
    }

    private static NfsServer start(ExportTable exports, byte[] handleKey, MeterRegistry metrics, String bindAddress,
                                   int port, boolean portmap, ConnectionPolicy policy, ClientActivity activity,
                                   Nlm nlm, boolean ownsNlm, RpcIntake.Limits limits) throws IOException {
        Objects.requireNonNull(nlm, "nlm");
        Objects.requireNonNull(exports, "exports");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(activity, "activity");
        String bind = bindAddress == null || bindAddress.isBlank() ? "0.0.0.0" : bindAddress;
        FileHandles handles = new FileHandles(handleKey);
        RpcDispatchable nsm = new NsmProgram(activity, nlm).rpc(metrics);
        RpcIntake intake = new RpcIntake(limits, metrics);
        ExecutorService executor = intake.executor(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("nfs-call-", 0).factory()));
        OncRpcSvcBuilder builder = new OncRpcSvcBuilder()
                .withTCP()
                .withPort(port)
                .withBindAddress(bind)
                .withoutAutoPublish()
                .withWorkerThreadIoStrategy()
                .withWorkerThreadExecutionService(executor)
                .withTcpNoDelay(true) // small replies must not wait for delayed ACKs (40 ms each)
                .withServiceName("regatta-nfs");
        programs(exports, handles, policy, activity, nlm, metrics, nsm).forEach(builder::withRpcService);
        OncRpcSvc svc = builder.build();
        intake.guard(svc, "nfs", MAX_RECORD_BYTES);
        EmbeddedPortmap pm = null;
        OncRpcSvc udp = null;
        String uaddr = null;
        try {
            svc.start();
            int actual = svc.getInetSocketAddress(IpProtocolType.TCP).getPort();
            udp = startNsmOverUdp(bind, actual, executor, nsm);
            if (portmap) {
                pm = EmbeddedPortmap.startUnlessRunning(intake);
                uaddr = InetSocketAddresses.uaddrOf(bind, actual);
                register(uaddr, udp != null);
            }
            nlm.start(activity, actual);
            LOG.info("NFSv3, MOUNTv3, NLMv4 and NSM listening on {}:{}{}", bind, actual,
                    portmap ? " (portmap on 111)" : "");
            return new NfsServer(svc, udp, executor, actual, pm, intake, uaddr, nlm, ownsNlm);
        } catch (IOException | RuntimeException e) {
            stopQuietly(svc, udp, pm, intake, executor);
            if (ownsNlm) {
                nlm.close();
            }
            throw e;
        }
    }

    /**
     * The programs on the TCP port, each version the node does not serve answering PROG_MISMATCH (NFS v2 and v4,
     * MOUNT v1 and v2, NLM v1 and v3: clients probe them).
     */
    private static Map<OncRpcProgram, RpcDispatchable> programs(ExportTable exports, FileHandles handles,
                                                                ConnectionPolicy policy, ClientActivity activity,
                                                                Nlm nlm, MeterRegistry metrics,
                                                                RpcDispatchable nsm) {
        RpcDispatchable nfsMismatch = RpcProgram.mismatch(Nfs3Program.VERSION);
        RpcDispatchable mountMismatch = RpcProgram.mismatch(Mount3Program.VERSION);
        RpcDispatchable nlmMismatch = RpcProgram.mismatch(NlmProgram.VERSION);
        Map<OncRpcProgram, RpcDispatchable> programs = new LinkedHashMap<>();
        programs.put(new OncRpcProgram(Nfs3Program.PROGRAM, Nfs3Program.VERSION),
                new Nfs3Program(exports, handles, policy, activity).rpc(metrics));
        programs.put(new OncRpcProgram(Nfs3Program.PROGRAM, 2), nfsMismatch);
        programs.put(new OncRpcProgram(Nfs3Program.PROGRAM, 4), nfsMismatch);
        programs.put(new OncRpcProgram(Mount3Program.PROGRAM, Mount3Program.VERSION),
                new Mount3Program(exports, handles, policy, activity).rpc(metrics));
        programs.put(new OncRpcProgram(Mount3Program.PROGRAM, 1), mountMismatch);
        programs.put(new OncRpcProgram(Mount3Program.PROGRAM, 2), mountMismatch);
        programs.put(new OncRpcProgram(NlmProgram.PROGRAM, NlmProgram.VERSION),
                new NlmProgram(exports, handles, policy, activity, nlm).rpc(metrics));
        programs.put(new OncRpcProgram(NlmProgram.PROGRAM, 1), nlmMismatch);
        programs.put(new OncRpcProgram(NlmProgram.PROGRAM, 3), nlmMismatch);
        programs.put(new OncRpcProgram(NsmProgram.PROGRAM, NsmProgram.VERSION), nsm);
        return programs;
    }

    /**
     * SM_NOTIFY over UDP on the NFS port's number: Linux's sm-notify, which tells servers that their client
     * restarted, speaks only UDP. Nothing else is served over UDP. Not being able to bind is not fatal.
     */
    private static OncRpcSvc startNsmOverUdp(String bind, int port, ExecutorService executor, RpcDispatchable nsm) {
        OncRpcSvc udp = new OncRpcSvcBuilder()
                .withUDP()
                .withPort(port)
                .withBindAddress(bind)
                .withoutAutoPublish()
                .withWorkerThreadIoStrategy()
                .withWorkerThreadExecutionService(executor)
                .withServiceName("regatta-nsm-udp")
                .withRpcService(new OncRpcProgram(NsmProgram.PROGRAM, NsmProgram.VERSION), nsm)
                .build();
        try {
            udp.start();
            return udp;
        } catch (IOException | RuntimeException e) {
            LOG.warn("NSM over UDP on {}:{} is not available ({}); clients' reboot notifications must come over TCP",
                    bind, port, e.toString());
            try {
                udp.stop();
            } catch (Exception ignored) {
                // it never started
            }
            return null;
        }
    }

    /** What the portmapper is told: program, version, transport. */
    private static final int[][] REGISTERED = {
            {Nfs3Program.PROGRAM, Nfs3Program.VERSION, 0},
            {Mount3Program.PROGRAM, Mount3Program.VERSION, 0},
            {NlmProgram.PROGRAM, NlmProgram.VERSION, 0},
            {NsmProgram.PROGRAM, NsmProgram.VERSION, 0},
            {NsmProgram.PROGRAM, NsmProgram.VERSION, 1}};

    private static void register(String uaddr, boolean udp) throws IOException {
        try (OncRpcClient client = new OncRpcClient(InetAddress.getLoopbackAddress(), IpProtocolType.TCP,
                PORTMAP_PORT)) {
            OncPortmapClient pm = new GenericPortmapClient(client.connect());
            for (int[] r : REGISTERED) {
                if (r[2] == 0) {
                    pm.unsetPort(r[0], r[1], OWNER);
                }
            }
            for (int[] r : REGISTERED) {
                if (r[2] == 1 && !udp) {
                    continue;
                }
                String netid = r[2] == 0 ? "tcp" : "udp";
                if (!pm.setPort(r[0], r[1], netid, uaddr, OWNER)) {
                    LOG.warn("portmap refused to register program {} v{} ({}) at {}", r[0], r[1], netid, uaddr);
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
            for (int[] r : REGISTERED) {
                if (r[2] == 0) {
                    pm.unsetPort(r[0], r[1], OWNER);
                }
            }
        } catch (Exception e) {
            LOG.debug("portmap unregistration failed", e);
        }
    }

    /** The TCP port NFS, MOUNT, NLM and NSM listen on. */
    public int port() {
        return port;
    }

    /** The lock service behind NLM and NSM. */
    public Nlm nlm() {
        return nlm;
    }

    @Override
    public void close() {
        if (uaddr != null) {
            unregister();
        }
        stopQuietly(svc, udp, portmap, intake, executor);
        if (ownsNlm) {
            nlm.close();
        }
    }

    private static void stopQuietly(OncRpcSvc svc, OncRpcSvc udp, EmbeddedPortmap pm, RpcIntake intake,
                                    ExecutorService executor) {
        try {
            svc.stop();
        } catch (Exception e) {
            LOG.warn("stopping the NFS service failed", e);
        }
        if (udp != null) {
            try {
                udp.stop();
            } catch (Exception e) {
                LOG.warn("stopping NSM over UDP failed", e);
            }
        }
        if (pm != null) {
            try {
                pm.close();
            } catch (Exception e) {
                LOG.warn("stopping the embedded portmap failed", e);
            }
        }
        intake.close();
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
