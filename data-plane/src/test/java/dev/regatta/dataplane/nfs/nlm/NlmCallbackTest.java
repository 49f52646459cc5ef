package dev.regatta.dataplane.nfs.nlm;

import static dev.regatta.dataplane.nfs.nlm.NlmServerTest.eventually;
import static dev.regatta.dataplane.nfs.NlmTestClient.BLOCKED;
import static dev.regatta.dataplane.nfs.NlmTestClient.DENIED;
import static dev.regatta.dataplane.nfs.NlmTestClient.DENIED_GRACE_PERIOD;
import static dev.regatta.dataplane.nfs.NlmTestClient.GRANTED;
import static dev.regatta.dataplane.nfs.NlmTestClient.NLM;
import static dev.regatta.dataplane.nfs.NlmTestClient.NSM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.locks.LockManager;
import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.nfs.MemoryFileSystem;
import dev.regatta.dataplane.nfs.NfsServer;
import dev.regatta.dataplane.nfs.NlmTestClient;
import dev.regatta.dataplane.nfs.RpcTestClient;
import dev.regatta.dataplane.nfs.TestExports;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.net.IpProtocolType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node calling clients: *_MSG calls answered by *_RES callbacks, SM_NOTIFY after a restart and the grace period
 * that follows it, the lease's probe, and finding a client's lock manager through its portmapper.
 */
class NlmCallbackTest {

    @TempDir
    Path dir;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Client names of connections as if relayed by the TLS front, by their local address. */
    final Map<InetSocketAddress, String> relayed = new ConcurrentHashMap<>();
    final ClientActivity activity = new ClientActivity(Duration.ofMinutes(5),
            remote -> relayed.getOrDefault(remote, ClientActivity.hostOf(remote)));
    final List<AutoCloseable> closing = new ArrayList<>();
    MemoryFileSystem fs;
    ExportTable table;
    CallbackRecorder callbacks;
    byte[] f;

    @BeforeEach
    void setUp() throws Exception {
        fs = new MemoryFileSystem(false);
        long id = fs.create(Caller.ROOT, 1, "f", CreateMode.UNCHECKED, SetAttributes.NONE, 0).fileId();
        table = TestExports.table(TestExports.export(0, "/fs-demo", fs));
        f = new FileHandles(TestExports.KEY).encode(table.byIndex(0).orElseThrow(), id);
        callbacks = new CallbackRecorder();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        callbacks.close();
    }

    Nlm nlm(LockSettings settings, MonitoredHosts hosts, CallbackTarget target) throws IOException {
        Nlm nlm = new Nlm(settings, hosts, target);
        nlm.callbackBackoff = Duration.ofMillis(20);
        nlm.notifyBackoff = Duration.ofMillis(50);
        closing.add(nlm);
        return nlm;
    }

    NfsServer serve(Nlm nlm) throws IOException {
        NfsServer server = NfsServer.start(table, TestExports.KEY, registry, "127.0.0.1", 0, false,
                ConnectionPolicy.ALLOW_ALL, activity, nlm);
        closing.add(server);
        return server;
    }

    NlmTestClient client(NfsServer server, String host, int svid) throws IOException {
        RpcTestClient rpc = new RpcTestClient(server.port());
        closing.add(rpc);
        return new NlmTestClient(rpc, host, svid);
    }

    static LockSettings settings(Duration grace, Duration lease) {
        return new LockSettings(grace, lease, Duration.ofSeconds(2));
    }

    @Test
    void messagesAreAnsweredByCallingTheClientsResProcedures() throws Exception {
        NfsServer server = serve(nlm(LockSettings.DEFAULTS, MonitoredHosts.inMemory(), callbacks));
        NlmTestClient alpha = client(server, "alpha", 1);
        NlmTestClient beta = alpha.as("beta", 2);

        alpha.message(7, alpha.lockArgs(f, true, 0, 10, false, false)); // LOCK_MSG
        NlmXdr.Res lockRes = (NlmXdr.Res) callbacks.next(NLM, 12).args();
        assertThat(lockRes.cookie()).isEqualTo(alpha.lastCookie);
        assertThat(lockRes.stat()).isEqualTo(NlmXdr.Stat.GRANTED);

        beta.message(6, beta.testArgs(f, false, 5, 1)); // TEST_MSG
        CallbackRecorder.TestRes testRes = (CallbackRecorder.TestRes) callbacks.next(NLM, 11).args();
        assertThat(testRes.cookie()).isEqualTo(beta.lastCookie);
        assertThat(testRes.stat()).isEqualTo(DENIED);
        assertThat(testRes.holder().svid()).isEqualTo(1);
        assertThat(testRes.holder().oh()).isEqualTo(alpha.oh);
        assertThat(testRes.holder().length()).isEqualTo(10);

        beta.message(7, beta.lockArgs(f, false, 5, 1, true, false));
        assertThat(((NlmXdr.Res) callbacks.next(NLM, 12).args()).stat()).isEqualTo(NlmXdr.Stat.BLOCKED);
        beta.message(8, beta.cancelArgs(f, true, 0, 1)); // CANCEL_MSG of a request beta never made
        assertThat(((NlmXdr.Res) callbacks.next(NLM, 13).args()).stat()).isEqualTo(NlmXdr.Stat.DENIED);

        alpha.message(9, alpha.unlockArgs(f, 0, 0)); // UNLOCK_MSG: UNLOCK_RES to alpha, GRANTED to beta
        Set<Integer> procs = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            CallbackRecorder.Call c = callbacks.calls.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c).isNotNull();
            procs.add(c.proc());
            if (c.proc() == 14) {
                assertThat(((NlmXdr.Res) c.args()).stat()).isEqualTo(NlmXdr.Stat.GRANTED);
            } else {
                assertThat(((NlmXdr.TestArgs) c.args()).lock().callerName()).isEqualTo("beta");
            }
        }
        assertThat(procs).containsExactlyInAnyOrder(14, 5);

        // GRANTED to the node, which never waits for a lock: refused, synchronously or by GRANTED_RES.
        RpcTestClient.In granted = alpha.call(5, alpha.testArgs(f, true, 0, 1));
        assertThat(granted.opaque()).isEqualTo(alpha.lastCookie);
        assertThat(granted.i()).isEqualTo(DENIED);
        alpha.message(10, alpha.testArgs(f, true, 0, 1));
        NlmXdr.Res grantedRes = (NlmXdr.Res) callbacks.next(NLM, 15).args();
        assertThat(grantedRes.cookie()).isEqualTo(alpha.lastCookie);
        assertThat(grantedRes.stat()).isEqualTo(NlmXdr.Stat.DENIED);
        // A *_RES sent to the node is taken and ignored.
        alpha.message(12, new RpcTestClient.Out().opaque(new byte[] {1}).i(0));
        assertThat(registry.get("nlm_requests").tag("procedure", "lock_msg").tag("status", "ok").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("nlm_requests").tag("procedure", "lock_msg").tag("status", "NLM4_BLOCKED")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void afterARestartClientsAreToldAndOnlyReclaimsAreGrantedDuringTheGracePeriod() throws Exception {
        LockSettings settings = settings(Duration.ofMillis(2500), Duration.ZERO);
        Nlm first = nlm(settings, MonitoredHosts.open(dir), callbacks);
        assertThat(first.state()).isEqualTo(1);
        assertThat(first.grace().active()).as("no client ever locked here").isFalse();
        NfsServer before = serve(first);
        NlmTestClient alpha = client(before, "alpha", 1);
        assertThat(alpha.lock(f, true, 0, 10, false, true)).as("a reclaim outside a grace period")
                .isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(alpha.lock(f, true, 0, 10, false)).isEqualTo(GRANTED);
        assertThat(alpha.as("beta", 2).lock(f, false, 100, 10, false)).isEqualTo(GRANTED);
        assertThat(Files.readString(dir.resolve("hosts")))
                .contains("alpha").contains("beta");
        before.close();
        first.close();
        callbacks.expectNothingFor(Duration.ofMillis(100));

        Nlm second = nlm(settings, MonitoredHosts.open(dir), callbacks);
        assertThat(second.state()).isEqualTo(3);
        assertThat(second.grace().active()).isTrue();
        NfsServer after = serve(second);
        List<String> told = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            NlmXdr.Notify n = (NlmXdr.Notify) callbacks.next(NSM, 6).args();
            assertThat(n.name()).as("the node as the client named it").isEqualTo("127.0.0.1");
            assertThat(n.state()).isEqualTo(3);
        }
        callbacks.located.forEach(p -> told.add(p.name()));
        assertThat(told).containsExactlyInAnyOrder("alpha", "beta");

        NlmTestClient alphaAgain = client(after, "alpha", 1);
        NlmTestClient beta = alphaAgain.as("beta", 2);
        NlmTestClient gamma = alphaAgain.as("gamma", 3);
        assertThat(alphaAgain.lock(f, true, 0, 10, false, true)).as("reclaim").isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 20, 1, false)).isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(gamma.lock(f, false, 30, 1, true)).as("blocking, not a reclaim").isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(beta.nmLock(f, false, 20, 1)).isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(beta.test(f, false, 20, 1).stat()).isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(beta.share(f, 0, 1)).isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(beta.share(20, f, 0, 1, true)).as("a share reclaimed").isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 100, 10, false, true)).isEqualTo(GRANTED);
        assertThat(alphaAgain.unlock(f, 9, 1)).as("giving up works during the grace period").isEqualTo(GRANTED);
        assertThat(beta.cancel(f, false, 20, 1)).isEqualTo(DENIED);

        eventually(() -> assertThat(second.grace().active()).isFalse());
        assertThat(beta.lock(f, false, 20, 1, false)).isEqualTo(GRANTED);
        assertThat(gamma.lock(f, true, 110, 10, false, true)).as("a reclaim after it").isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(gamma.lock(f, true, 5, 1, false)).as("alpha's reclaimed lock holds").isEqualTo(DENIED);
        assertThat(gamma.lock(f, true, 9, 1, false)).isEqualTo(GRANTED);
        assertThat(gamma.test(f, true, 100, 1).holder().oh()).isEqualTo(beta.oh);
    }

    /** A file system's lock records as its replicated metadata keeps them: one shelf, whichever node serves it. */
    static final class SharedShelf implements MonitoredHosts.Shelf {
        final Map<String, byte[]> records = new ConcurrentHashMap<>();

        @Override
        public byte[] read(String name) {
            return records.get(name);
        }

        @Override
        public void write(String name, byte[] bytes) {
            records.put(name, bytes.clone());
        }
    }

    @Test
    void theNextNodeToServeAFileSystemTellsItsLockHoldersAndGivesOnlyThatFileSystemAGracePeriod() throws Exception {
        long otherFile = fs.create(Caller.ROOT, 1, "g", CreateMode.UNCHECKED, SetAttributes.NONE, 0).fileId();
        table = TestExports.table(TestExports.export(0, "/fs-demo", fs), TestExports.export(1, "/fs-other", fs));
        byte[] g = new FileHandles(TestExports.KEY).encode(table.byIndex(1).orElseThrow(), otherFile);
        LockSettings settings = settings(Duration.ofMillis(2500), Duration.ZERO);
        SharedShelf shelf = new SharedShelf();

        // The first leader: it serves file system 0 with hosts of its own, and file system 1 node-wide.
        Nlm first = nlm(settings, MonitoredHosts.inMemory(), callbacks);
        first.serving(0, "fs-0", MonitoredHosts.on(shelf, "fs 0"));
        assertThat(first.inGrace(0)).as("no client ever locked on it").isFalse();
        NfsServer before = serve(first);
        NlmTestClient alpha = client(before, "alpha", 1);
        assertThat(alpha.lock(f, true, 0, 10, false)).isEqualTo(GRANTED);
        assertThat(alpha.as("beta", 2).lock(g, true, 0, 10, false)).isEqualTo(GRANTED);
        assertThat(new String(shelf.records.get("hosts"), java.nio.charset.StandardCharsets.UTF_8))
                .as("the file system's hosts, kept before the lock was granted").contains("alpha")
                .doesNotContain("beta");

        // It stops leading: what it held on file system 0 goes, file system 1's locks stay.
        first.stoppedServing(0);
        assertThat(first.locks().counts(0).locks()).isZero();
        assertThat(first.locks().counts(1).locks()).isEqualTo(1);
        callbacks.expectNothingFor(Duration.ofMillis(100));

        // The next leader, told before its port opens, tells alpha once it does, with a newer state number.
        Nlm second = nlm(settings, MonitoredHosts.inMemory(), callbacks);
        second.serving(0, "fs-0", MonitoredHosts.on(shelf, "fs 0"));
        assertThat(second.inGrace(0)).isTrue();
        assertThat(second.inGrace(1)).as("another file system's locks were not lost").isFalse();
        callbacks.expectNothingFor(Duration.ofMillis(100));
        NfsServer after = serve(second);
        NlmXdr.Notify told = (NlmXdr.Notify) callbacks.next(NSM, 6).args();
        assertThat(told.name()).as("the server as the client named it").isEqualTo("127.0.0.1");
        assertThat(told.state()).as("one step on from the first leader's").isEqualTo(3);
        assertThat(callbacks.located).extracting(NlmPeer::name).containsExactly("alpha");

        NlmTestClient alphaAgain = client(after, "alpha", 1);
        NlmTestClient gamma = alphaAgain.as("gamma", 3);
        assertThat(gamma.lock(f, true, 0, 10, false)).as("a new lock on file system 0 during its grace")
                .isEqualTo(DENIED_GRACE_PERIOD);
        assertThat(gamma.lock(g, true, 100, 10, false)).as("file system 1 has no grace period")
                .isEqualTo(GRANTED);
        assertThat(alphaAgain.lock(f, true, 0, 10, false, true)).as("alpha's reclaim").isEqualTo(GRANTED);
        eventually(() -> assertThat(second.inGrace(0)).isFalse());
        assertThat(gamma.lock(f, true, 5, 1, false)).as("the reclaimed lock holds after the grace period")
                .isEqualTo(DENIED);
    }

    @Test
    void restartNotificationsAreRetriedUntilTheClientAnswers() throws Exception {
        MonitoredHosts hosts = MonitoredHosts.open(dir);
        hosts.add(new MonitoredHosts.Host("127.0.0.1", "alpha", "127.0.0.1", "192.0.2.10"));
        callbacks.unreachable = true;
        Nlm nlm = nlm(settings(Duration.ofSeconds(30), Duration.ZERO), MonitoredHosts.open(dir), callbacks);
        serve(nlm);
        eventually(() -> assertThat(callbacks.located.size()).isGreaterThanOrEqualTo(3));
        callbacks.unreachable = false;
        NlmXdr.Notify n = (NlmXdr.Notify) callbacks.next(NSM, 6).args();
        assertThat(n.name()).isEqualTo("192.0.2.10");
        assertThat(n.state()).isEqualTo(nlm.state()).isOdd();
    }

    @Test
    void theLeaseReleasesOnlyClientsWhoseLockManagerDoesNotAnswer() throws Exception {
        Nlm nlm = nlm(settings(Duration.ZERO, Duration.ofMillis(300)), MonitoredHosts.inMemory(), callbacks);
        NfsServer server = serve(nlm);
        NlmTestClient alpha = client(server, "alpha", 1);
        assertThat(alpha.lock(f, true, 0, 0, false)).isEqualTo(GRANTED);
        assertThat(alpha.as("beta", 2).lock(f, true, 0, 0, true)).isEqualTo(BLOCKED);

        // Silent, but alive: probed with NULL, and nothing is taken.
        callbacks.next(NLM, 0);
        callbacks.next(NLM, 0);
        assertThat(nlm.locks().counts(0)).isEqualTo(new LockManager.Counts(1, 1, 0));

        callbacks.unreachable = true;
        eventually(() -> assertThat(nlm.locks().counts(0)).isEqualTo(new LockManager.Counts(0, 0, 0)));
    }

    @Test
    void aTunnelledMountHasALeaseOfItsOwnProbedThroughItsCallbackLine() throws Exception {
        Nlm nlm = nlm(new LockSettings(Duration.ZERO, Duration.ZERO, Duration.ofMillis(300), Duration.ofSeconds(2)),
                MonitoredHosts.inMemory(), callbacks);
        NfsServer server = serve(nlm);
        NlmTestClient mounted = client(server, "guest-a", 1);
        relayed.put(mounted.rpc.localAddress(), "mount:m-1@203.0.113.7");
        NlmTestClient direct = client(server, "direct", 1);
        assertThat(mounted.lock(f, true, 0, 10, false)).isEqualTo(GRANTED);
        assertThat(direct.lock(f, true, 20, 10, false)).isEqualTo(GRANTED);

        // Silent, but its line answers: probed with NULL, and nothing is taken.
        callbacks.next(NLM, 0);
        callbacks.next(NLM, 0);
        assertThat(callbacks.located).extracting(NlmPeer::client).containsOnly("mount:m-1@203.0.113.7");
        assertThat(nlm.locks().counts(0).locks()).isEqualTo(2);

        // The instance is gone (no line): its locks go; the direct client, without a lease, keeps its own.
        callbacks.unreachable = true;
        eventually(() -> assertThat(nlm.locks().counts(0).locks()).isEqualTo(1));
        assertThat(client(server, "third", 9).test(f, true, 0, 0).holder().offset()).isEqualTo(20);
    }

    @Test
    void withoutALeaseASilentClientKeepsItsLocks() throws Exception {
        Nlm nlm = nlm(settings(Duration.ZERO, Duration.ZERO), MonitoredHosts.inMemory(), callbacks);
        NlmTestClient alpha = client(serve(nlm), "alpha", 1);
        alpha.lock(f, true, 0, 0, false);
        callbacks.unreachable = true;
        callbacks.expectNothingFor(Duration.ofMillis(800));
        assertThat(callbacks.located).as("never probed").isEmpty();
        assertThat(nlm.locks().counts(0).locks()).isEqualTo(1);
    }

    @Test
    void callbacksFindTheClientThroughItsPortmapper() throws Exception {
        List<int[]> queries = new CopyOnWriteArrayList<>();
        OncRpcSvc portmap = new OncRpcSvcBuilder()
                .withTCP().withPort(0).withBindAddress("127.0.0.1").withoutAutoPublish()
                .withWorkerThreadIoStrategy().withServiceName("test-portmap")
                .withRpcService(new OncRpcProgram(100000, 2), call -> {
                    if (call.getProcedure() != 3) {
                        call.reply(Xdr.Reply.VOID);
                        return;
                    }
                    int[] m = Xdr.retrieve(call, in -> new int[] {in.xdrDecodeInt(), in.xdrDecodeInt(),
                            in.xdrDecodeInt(), in.xdrDecodeInt()});
                    queries.add(m);
                    int port = m[0] == NLM && m[1] == 4 && m[2] == 6 ? callbacks.port : 0;
                    call.reply(new Xdr.Reply(out -> out.xdrEncodeInt(port)));
                })
                .build();
        portmap.start();
        closing.add(portmap::stop);
        int portmapPort = portmap.getInetSocketAddress(IpProtocolType.TCP).getPort();
        PortmapCallbackTarget target = new PortmapCallbackTarget(portmapPort);
        NfsServer server = serve(nlm(LockSettings.DEFAULTS, MonitoredHosts.inMemory(), target));
        NlmTestClient alpha = client(server, "alpha", 1);
        NlmTestClient beta = alpha.as("beta", 2);

        alpha.lock(f, true, 0, 0, false);
        assertThat(beta.lock(f, true, 0, 0, true)).isEqualTo(BLOCKED);
        alpha.unlock(f, 0, 0);
        assertThat(((NlmXdr.TestArgs) callbacks.next(NLM, 5).args()).lock().callerName()).isEqualTo("beta");
        assertThat(callbacks.located).as("found through the portmapper, not the recorder's own lookup").isEmpty();
        assertThat(queries).hasSize(1);
        assertThat(queries.getFirst()).containsExactly(NLM, 4, 6, 0);

        NlmPeer peer = new NlmPeer(new InetSocketAddress("127.0.0.1", 900), "127.0.0.1", "x", null);
        assertThat(target.locate(peer, NLM, 4, Duration.ofSeconds(1)).getPort()).as("remembered")
                .isEqualTo(callbacks.port);
        assertThat(queries).hasSize(1);
        assertThatThrownBy(() -> target.locate(peer, NSM, 1, Duration.ofSeconds(1)))
                .as("not registered").isInstanceOf(IOException.class).hasMessageContaining("knows no program");
        NlmPeer relayed = new NlmPeer(new InetSocketAddress("127.0.0.1", 900), "10.0.0.9", "x", null);
        assertThatThrownBy(() -> target.locate(relayed, NLM, 4, Duration.ofSeconds(1)))
                .as("behind the TLS front").isInstanceOf(IOException.class).hasMessageContaining("TLS front");
    }
}
