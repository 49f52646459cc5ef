package dev.regatta.dataplane.nfs.nlm;

import static dev.regatta.dataplane.nfs.NlmTestClient.BLOCKED;
import static dev.regatta.dataplane.nfs.NlmTestClient.DEADLCK;
import static dev.regatta.dataplane.nfs.NlmTestClient.DENIED;
import static dev.regatta.dataplane.nfs.NlmTestClient.FAILED;
import static dev.regatta.dataplane.nfs.NlmTestClient.FBIG;
import static dev.regatta.dataplane.nfs.NlmTestClient.GRANTED;
import static dev.regatta.dataplane.nfs.NlmTestClient.NLM;
import static dev.regatta.dataplane.nfs.NlmTestClient.NSM;
import static dev.regatta.dataplane.nfs.NlmTestClient.ROFS;
import static dev.regatta.dataplane.nfs.NlmTestClient.STALE_FH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.front.MountIdentity;
import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.CreateMode;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.SetAttributes;
import dev.regatta.dataplane.locks.LockSettings;
import dev.regatta.dataplane.locks.MonitoredHosts;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.nfs.MemoryFileSystem;
import dev.regatta.dataplane.nfs.NfsServer;
import dev.regatta.dataplane.nfs.NlmTestClient;
import dev.regatta.dataplane.nfs.RpcTestClient;
import dev.regatta.dataplane.nfs.TestExports;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NLM v4 and NSM over real TCP (and UDP for SM_NOTIFY) against a real {@link NfsServer}: lock semantics between
 * owners and hosts, blocking locks and their GRANTED callback, cancel, FREE_ALL, SM_NOTIFY, shares, stale and
 * read-only handles, malformed calls. Callbacks go to a {@link CallbackRecorder}; nothing needs port 111.
 */
class NlmServerTest {

    static final long MAX = -1L;
    static final int MODE_DN = 0;
    static final int MODE_DW = 2;
    static final int MODE_DRW = 3;
    static final int ACCESS_R = 1;
    static final int ACCESS_W = 2;
    static final int ACCESS_RW = 3;

    /** The client names of connections relayed by the TLS front, as the front names them. */
    final Map<InetSocketAddress, String> identities = new ConcurrentHashMap<>();
    final ClientActivity activity = new ClientActivity(Duration.ofMinutes(5),
            remote -> identities.getOrDefault(remote, ClientActivity.hostOf(remote)));
    final AtomicBoolean refuse = new AtomicBoolean();
    final List<RpcTestClient> connections = new ArrayList<>();
    MemoryFileSystem fs;
    SimpleMeterRegistry registry;
    CallbackRecorder callbacks;
    MonitoredHosts hosts;
    Nlm nlm;
    NfsServer server;
    NlmTestClient alpha;
    NlmTestClient beta;
    NlmTestClient gamma;
    byte[] f;
    byte[] g;
    long fId;

    @BeforeEach
    void start() throws Exception {
        fs = new MemoryFileSystem(false);
        fId = fs.create(Caller.ROOT, 1, "f", CreateMode.UNCHECKED, SetAttributes.NONE, 0).fileId();
        long gId = fs.create(Caller.ROOT, 1, "g", CreateMode.UNCHECKED, SetAttributes.NONE, 0).fileId();
        FileHandles handles = new FileHandles(TestExports.KEY);
        f = handles.encode(TestExports.export(0, "/fs-demo", fs), fId);
        g = handles.encode(TestExports.export(0, "/fs-demo", fs), gId);
        registry = new SimpleMeterRegistry();
        callbacks = new CallbackRecorder();
        hosts = MonitoredHosts.inMemory();
        nlm = new Nlm(new LockSettings(Duration.ofSeconds(50), Duration.ZERO, Duration.ofSeconds(2)), hosts,
                callbacks);
        nlm.callbackBackoff = Duration.ofMillis(50);
        nlm.locks().bindMeters(0, registry);
        ExportTable table = TestExports.table(TestExports.export(0, "/fs-demo", fs),
                TestExports.export(1, "/ro", new MemoryFileSystem(true)));
        ConnectionPolicy policy = (call, export, credential) -> {
            if (refuse.get()) {
                throw new FsException(FsError.ACCES, "refused by the test");
            }
            return new ConnectionPolicy.Admission(credential, false);
        };
        server = NfsServer.start(table, TestExports.KEY, registry, "127.0.0.1", 0, false, policy, activity, nlm);
        RpcTestClient rpc = connect();
        alpha = new NlmTestClient(rpc, "alpha", 100);
        beta = alpha.as("beta", 100);
        gamma = alpha.as("gamma", 7);
    }

    RpcTestClient connect() throws Exception {
        RpcTestClient c = new RpcTestClient(server.port());
        connections.add(c);
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        for (RpcTestClient c : connections) {
            c.close();
        }
        server.close();
        nlm.close();
        callbacks.close();
    }

    @Test
    void nullVersionsAndUnknownProcedures() throws Exception {
        RpcTestClient rpc = alpha.rpc;
        assertThat(rpc.call(NLM, 4, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        RpcTestClient.Reply v1 = rpc.call(NLM, 1, 0, new byte[0]);
        assertThat(v1.acceptStat()).isEqualTo(RpcTestClient.PROG_MISMATCH);
        assertThat(v1.low()).isEqualTo(4);
        assertThat(v1.high()).isEqualTo(4);
        assertThat(rpc.call(NLM, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.PROG_MISMATCH);
        assertThat(rpc.call(NLM, 4, 16, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.PROC_UNAVAIL);
        assertThat(rpc.call(NLM, 4, 24, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.PROC_UNAVAIL);
        assertThat(rpc.call(NSM, 1, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(rpc.call(NSM, 1, 2, new byte[0]).acceptStat()).as("SM_MON").isEqualTo(RpcTestClient.PROC_UNAVAIL);
    }

    @Test
    void ownersConflictAndTestReportsTheHolder() throws Exception {
        assertThat(alpha.lock(f, true, 0, 101, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 50, 11, false)).as("same svid, another host").isEqualTo(DENIED);
        assertThat(alpha.as("alpha", 101).lock(f, false, 50, 11, false)).as("another process").isEqualTo(DENIED);
        assertThat(alpha.lock(f, false, 50, 11, false)).as("alpha's own lock").isEqualTo(GRANTED);

        NlmTestClient.Tested t = beta.test(f, false, 0, 0);
        assertThat(t.stat()).isEqualTo(DENIED);
        assertThat(t.holder().exclusive()).isTrue();
        assertThat(t.holder().svid()).isEqualTo(100);
        assertThat(t.holder().oh()).isEqualTo(alpha.oh);
        assertThat(t.holder().offset()).isZero();
        assertThat(t.holder().length()).isEqualTo(50);
        NlmTestClient.Tested shared = beta.test(f, true, 55, 1);
        assertThat(shared.holder().exclusive()).isFalse();
        assertThat(shared.holder().offset()).isEqualTo(50);
        assertThat(shared.holder().length()).isEqualTo(11);
        assertThat(beta.test(f, false, 55, 1).stat()).as("readers share").isEqualTo(GRANTED);
        assertThat(beta.test(f, true, 101, 0).stat()).isEqualTo(GRANTED);
        assertThat(beta.test(g, true, 0, 0).stat()).as("another file").isEqualTo(GRANTED);
        assertThat(alpha.test(f, true, 0, 0).stat()).as("an owner never conflicts with itself").isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 101, 0, false)).isEqualTo(GRANTED);

        // The same host name and process at another network identity is another owner.
        RpcTestClient other = connect();
        identities.put(other.localAddress(), "10.9.9.9");
        NlmTestClient alphaElsewhere = new NlmTestClient(other, "alpha", 100);
        assertThat(alphaElsewhere.lock(f, true, 0, 1, false)).isEqualTo(DENIED);
        assertThat(alphaElsewhere.test(f, true, 0, 1).holder().svid()).isEqualTo(100);
    }

    @Test
    void mountsBehindOneAddressWithTheSameHostNameAndProcessAreDifferentOwners() throws Exception {
        // Two cloned instances behind one NAT: same address at the TLS front, same host name, same first lock owner
        // (Linux numbers its NLM lock owners per server from 1). Their mounts are what tells them apart.
        RpcTestClient first = connect();
        RpcTestClient second = connect();
        identities.put(first.localAddress(), new MountIdentity("m-1", "fs-1", false, "g", "arn",
                new InetSocketAddress("203.0.113.7", 40001)).clientName());
        identities.put(second.localAddress(), new MountIdentity("m-2", "fs-1", false, "g", "arn",
                new InetSocketAddress("203.0.113.7", 40002)).clientName());
        NlmTestClient one = new NlmTestClient(first, "localhost", 1);
        NlmTestClient two = new NlmTestClient(second, "localhost", 1);

        assertThat(one.lock(f, true, 0, 0, false)).isEqualTo(GRANTED);
        assertThat(two.lock(f, true, 0, 0, false)).isEqualTo(DENIED);
        two.freeAll("localhost");
        assertThat(two.lock(f, true, 0, 0, false)).as("FREE_ALL of the other mount frees nothing").isEqualTo(DENIED);
        assertThat(one.unlock(f, 0, 0)).isEqualTo(GRANTED);
        assertThat(two.lock(f, true, 0, 0, false)).isEqualTo(GRANTED);
    }

    @Test
    void upgradeDowngradeSplitAndLengthZero() throws Exception {
        assertThat(alpha.lock(f, false, 0, 0, false)).isEqualTo(GRANTED);
        assertThat(alpha.lock(f, true, 0, 0, false)).as("upgrade").isEqualTo(GRANTED);
        NlmTestClient.Tested t = beta.test(f, false, 1L << 40, 1);
        assertThat(t.holder().exclusive()).isTrue();
        assertThat(t.holder().length()).as("to the end of the file").isZero();

        assertThat(alpha.lock(f, false, 10, 10, false)).as("downgrade of a piece").isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 10, 10, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, false, 9, 2, false)).isEqualTo(DENIED);
        assertThat(beta.test(f, false, 20, 1).holder().offset()).as("the rest stays exclusive").isEqualTo(20);
        assertThat(alpha.lock(f, true, 0, 0, false)).as("upgrade against beta's read lock").isEqualTo(DENIED);

        assertThat(alpha.unlock(f, 0, 5)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, true, 0, 5, false)).isEqualTo(GRANTED);
        assertThat(alpha.unlock(f, 0, 0)).isEqualTo(GRANTED);
        assertThat(gamma.lock(f, true, 1000, 0, false)).isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0).locks()).as("beta's two locks and gamma's").isEqualTo(3);
    }

    @Test
    void theSixtyFourBitEdge() throws Exception {
        long last = MAX; // offset 2^64 - 1
        assertThat(alpha.lock(f, true, last, 1, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, true, last - 1, 2, false)).isEqualTo(DENIED);
        assertThat(beta.lock(f, true, last - 1, 1, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, true, last, 2, false)).as("past 2^64").isEqualTo(FBIG);
        assertThat(beta.test(f, true, 2, MAX).stat()).isEqualTo(FBIG);
        NlmTestClient.Tested t = gamma.test(f, false, Long.MIN_VALUE, 0);
        assertThat(t.holder().svid()).as("the first holder from 2^63 on").isEqualTo(100);
        assertThat(t.holder().offset()).isEqualTo(last - 1);
        assertThat(t.holder().length()).isEqualTo(1);
        assertThat(gamma.lock(f, true, 0, Long.MAX_VALUE, false)).as("the lower half is free").isEqualTo(GRANTED);
        assertThat(alpha.unlock(f, last, 1)).isEqualTo(GRANTED);
        assertThat(gamma.test(f, true, last, 0).stat()).isEqualTo(GRANTED);
    }

    @Test
    void aBlockedLockIsGrantedByCallback() throws Exception {
        assertThat(alpha.lock(f, true, 0, 10, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(f, true, 5, 10, true)).isEqualTo(BLOCKED);
        byte[] cookie = beta.lastCookie;
        assertThat(nlm.locks().counts(0).waiting()).isEqualTo(1);
        assertThat(beta.lock(f, true, 5, 10, true)).as("polling again").isEqualTo(BLOCKED);
        byte[] secondCookie = beta.lastCookie;
        callbacks.expectNothingFor(Duration.ofMillis(200));

        assertThat(alpha.unlock(f, 0, 0)).isEqualTo(GRANTED);
        CallbackRecorder.Call call = callbacks.next(NLM, 5);
        NlmXdr.TestArgs granted = (NlmXdr.TestArgs) call.args();
        assertThat(granted.cookie()).as("the cookie of the last request").isEqualTo(secondCookie)
                .isNotEqualTo(cookie);
        assertThat(granted.exclusive()).isTrue();
        assertThat(granted.lock().callerName()).isEqualTo("beta");
        assertThat(granted.lock().fh()).isEqualTo(f);
        assertThat(granted.lock().oh()).isEqualTo(beta.oh);
        assertThat(granted.lock().svid()).isEqualTo(100);
        assertThat(granted.lock().offset()).isEqualTo(5);
        assertThat(granted.lock().length()).isEqualTo(10);
        assertThat(callbacks.located.getFirst().name()).isEqualTo("beta");
        assertThat(callbacks.located.getFirst().client()).isEqualTo("127.0.0.1");

        NlmTestClient.Tested t = alpha.test(f, false, 0, 0);
        assertThat(t.holder().oh()).isEqualTo(beta.oh);
        assertThat(t.holder().offset()).isEqualTo(5);
        eventually(() -> assertThat(registry.get("nlm_granted_callbacks").tag("result", "sent").counter().count())
                .isEqualTo(1));
        assertThat(nlm.locks().counts(0).waiting()).isZero();
        // The client accepted it: a later cancel does not take it away.
        assertThat(beta.cancel(f, true, 5, 10)).isEqualTo(DENIED);
        assertThat(alpha.test(f, false, 6, 1).stat()).isEqualTo(DENIED);
    }

    @Test
    void aClientNoLongerWaitingRefusesTheGrantAndTheLockGoesToTheNext() throws Exception {
        callbacks.grantedAnswer = DENIED;
        alpha.lock(f, true, 0, 1, false);
        assertThat(beta.lock(f, true, 0, 1, true)).isEqualTo(BLOCKED);
        alpha.unlock(f, 0, 1);
        callbacks.next(NLM, 5);
        eventually(() -> assertThat(gamma.test(f, true, 0, 1).stat()).isEqualTo(GRANTED));
    }

    @Test
    void cancelRemovesAWaiter() throws Exception {
        alpha.lock(f, true, 0, 0, false);
        assertThat(beta.lock(f, false, 0, 1, true)).isEqualTo(BLOCKED);
        assertThat(gamma.lock(f, true, 0, 1, true)).isEqualTo(BLOCKED);
        assertThat(beta.cancel(f, true, 0, 1)).as("not the request beta made (shared)").isEqualTo(DENIED);
        assertThat(beta.cancel(f, false, 0, 1)).isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0).waiting()).isEqualTo(1);
        alpha.unlock(f, 0, 0);
        NlmXdr.TestArgs granted = (NlmXdr.TestArgs) callbacks.next(NLM, 5).args();
        assertThat(granted.lock().callerName()).as("only gamma still waited").isEqualTo("gamma");
        callbacks.expectNothingFor(Duration.ofMillis(300));
        assertThat(beta.test(f, false, 0, 1).holder().oh()).isEqualTo(gamma.oh);
    }

    @Test
    void aCallbackThatCannotBeDeliveredLeavesTheLockGranted() throws Exception {
        callbacks.unreachable = true;
        alpha.lock(f, true, 0, 0, false);
        assertThat(beta.lock(f, true, 0, 0, true)).isEqualTo(BLOCKED);
        alpha.unlock(f, 0, 0);
        eventually(() -> assertThat(registry.get("nlm_granted_callbacks").tag("result", "failed").counter().count())
                .isEqualTo(1));
        assertThat(callbacks.located).as("three attempts").hasSize(3);
        assertThat(alpha.test(f, true, 0, 0).holder().oh()).isEqualTo(beta.oh);
        assertThat(beta.lock(f, true, 0, 0, true)).as("the client's next poll finds it granted").isEqualTo(GRANTED);
    }

    @Test
    void aCallbackNeverReachesTheNodeItself() throws Exception {
        nlm.close();
        server.close();
        Nlm selfish = new Nlm(LockSettings.DEFAULTS, MonitoredHosts.inMemory(),
                (peer, program, version, timeout) -> new InetSocketAddress("127.0.0.1", server.port()));
        selfish.callbackBackoff = Duration.ofMillis(10);
        nlm = selfish;
        nlm.locks().bindMeters(0, registry);
        server = NfsServer.start(TestExports.table(TestExports.export(0, "/fs-demo", fs)), TestExports.KEY,
                registry, "127.0.0.1", 0, false, ConnectionPolicy.ALLOW_ALL, activity, nlm);
        NlmTestClient a = new NlmTestClient(connect(), "alpha", 1);
        NlmTestClient b = a.as("beta", 1);
        a.lock(f, true, 0, 0, false);
        assertThat(b.lock(f, true, 0, 0, true)).isEqualTo(BLOCKED);
        a.unlock(f, 0, 0);
        // Had it called its own NLM, it would have answered DENIED ("not waiting") and released beta's lock.
        eventually(() -> assertThat(registry.get("nlm_granted_callbacks").tag("result", "failed").counter().count())
                .isEqualTo(1));
        assertThat(a.test(f, true, 0, 0).holder().oh()).isEqualTo(b.oh);
    }

    @Test
    void deadlockIsReported() throws Exception {
        assertThat(alpha.lock(f, true, 0, 1, false)).isEqualTo(GRANTED);
        assertThat(beta.lock(g, true, 0, 1, false)).isEqualTo(GRANTED);
        assertThat(alpha.lock(g, true, 0, 1, true)).isEqualTo(BLOCKED);
        assertThat(beta.lock(f, true, 0, 1, true)).isEqualTo(DEADLCK);
        assertThat(beta.lock(f, true, 0, 1, false)).as("not waiting: just denied").isEqualTo(DENIED);
    }

    @Test
    void freeAllReleasesOneHostOnly() throws Exception {
        NlmTestClient alpha2 = alpha.as("alpha", 200);
        alpha.lock(f, true, 0, 10, false);
        alpha2.lock(g, false, 0, 0, false);
        alpha.share(g, MODE_DW, ACCESS_R);
        gamma.lock(f, true, 20, 1, false);
        assertThat(beta.lock(f, true, 0, 1, true)).isEqualTo(BLOCKED);

        RpcTestClient other = connect();
        identities.put(other.localAddress(), "10.9.9.9");
        new NlmTestClient(other, "x", 1).freeAll("alpha");
        assertThat(nlm.locks().counts(0)).as("FREE_ALL from another machine frees nothing")
                .isEqualTo(new dev.regatta.dataplane.locks.LockManager.Counts(3, 1, 1));

        gamma.freeAll("ALPHA");
        assertThat(((NlmXdr.TestArgs) callbacks.next(NLM, 5).args()).lock().callerName()).isEqualTo("beta");
        assertThat(gamma.test(g, true, 0, 0).stat()).isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0)).isEqualTo(new dev.regatta.dataplane.locks.LockManager.Counts(2, 0, 0));
        assertThat(beta.test(f, true, 20, 1).holder().oh()).as("gamma's lock stays").isEqualTo(gamma.oh);
    }

    @Test
    void smNotifyReleasesARebootedHostAndWakesItsWaiters() throws Exception {
        alpha.lock(f, true, 0, 0, false);
        alpha.share(g, MODE_DN, ACCESS_R);
        assertThat(beta.lock(f, false, 0, 1, true)).isEqualTo(BLOCKED);
        gamma.lock(g, true, 0, 0, false);

        RpcTestClient.Reply notify = alpha.rpc.call(NSM, 1, 6, new RpcTestClient.Out().str("Alpha").i(3));
        assertThat(notify.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(notify.body().done()).isTrue();
        assertThat(((NlmXdr.TestArgs) callbacks.next(NLM, 5).args()).lock().callerName()).isEqualTo("beta");
        assertThat(nlm.locks().shares(new dev.regatta.dataplane.locks.FileKey(0, fId))).isEmpty();
        assertThat(gamma.test(f, true, 0, 1).holder().oh()).isEqualTo(beta.oh);

        // Over UDP too, as sm-notify sends it; and a notification from elsewhere frees nothing.
        RpcTestClient other = connect();
        identities.put(other.localAddress(), "10.9.9.9");
        assertThat(other.call(NSM, 1, 6, new RpcTestClient.Out().str("gamma").i(5)).acceptStat()).isZero();
        assertThat(beta.test(g, true, 0, 0).stat()).isEqualTo(DENIED);
        assertThat(udpCall(server.port(), NSM, 1, 6, new RpcTestClient.Out().str("gamma").i(5).toBytes())).isZero();
        eventually(() -> assertThat(beta.test(g, true, 0, 0).stat()).isEqualTo(GRANTED));
        assertThat(registry.get("nsm_requests").tag("procedure", "notify").tag("status", "ok").timer().count())
                .isEqualTo(3);
    }

    @Test
    void shareReservations() throws Exception {
        assertThat(alpha.share(f, MODE_DW, ACCESS_R)).isEqualTo(GRANTED);
        assertThat(beta.share(f, MODE_DN, ACCESS_W)).isEqualTo(DENIED);
        assertThat(beta.share(f, MODE_DN, ACCESS_R)).isEqualTo(GRANTED);
        assertThat(gamma.share(f, MODE_DRW, ACCESS_R)).as("denies the reading others do").isEqualTo(DENIED);
        assertThat(alpha.unshare(f)).isEqualTo(GRANTED);
        assertThat(beta.share(f, MODE_DN, ACCESS_RW)).as("beta's reservation replaced").isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0).shares()).isEqualTo(1);
        assertThat(alpha.share(f, MODE_DN, ACCESS_R)).isEqualTo(GRANTED);
        assertThat(beta.share(g, MODE_DRW, ACCESS_RW)).isEqualTo(GRANTED);
        assertThat(alpha.share(g, MODE_DN, ACCESS_R)).isEqualTo(DENIED);
        assertThat(registry.get("nlm_shares").gauge().value()).isEqualTo(3);
    }

    @Test
    void staleHandlesReadOnlyExportsAndRefusedConnections() throws Exception {
        byte[] forged = f.clone();
        forged[forged.length - 1] ^= 1;
        assertThat(alpha.lock(forged, false, 0, 0, false)).isEqualTo(STALE_FH);
        assertThat(alpha.lock(Arrays.copyOf(f, 64), false, 0, 0, false)).isEqualTo(STALE_FH);
        assertThat(alpha.test(new byte[0], false, 0, 0).stat()).isEqualTo(STALE_FH);
        byte[] noExport = new FileHandles(TestExports.KEY).encode(TestExports.export(9, "/gone", fs), fId);
        assertThat(alpha.lock(noExport, false, 0, 0, false)).isEqualTo(STALE_FH);
        byte[] noFile = new FileHandles(TestExports.KEY).encode(TestExports.export(0, "/fs-demo", fs), 999);
        assertThat(alpha.lock(noFile, false, 0, 0, false)).isEqualTo(STALE_FH);
        assertThat(alpha.share(noFile, MODE_DN, ACCESS_R)).isEqualTo(STALE_FH);

        // A file removed while locked: locks cannot be taken on it, but what is held can be given up.
        alpha.lock(g, true, 0, 0, false);
        fs.remove(Caller.ROOT, 1, "g");
        assertThat(beta.lock(g, true, 0, 0, false)).isEqualTo(STALE_FH);
        assertThat(alpha.unlock(g, 0, 0)).isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0).locks()).isZero();

        byte[] ro = new FileHandles(TestExports.KEY).encode(TestExports.export(1, "/ro", fs), 1);
        assertThat(alpha.lock(ro, false, 0, 0, false)).as("reading needs no write access").isEqualTo(GRANTED);
        assertThat(alpha.lock(ro, true, 0, 0, false)).isEqualTo(ROFS);
        assertThat(alpha.test(ro, true, 0, 0).stat()).as("a test takes nothing").isEqualTo(GRANTED);
        assertThat(alpha.share(ro, MODE_DW, ACCESS_R)).isEqualTo(GRANTED);
        assertThat(alpha.share(ro, MODE_DN, ACCESS_RW)).isEqualTo(ROFS);

        refuse.set(true);
        assertThat(alpha.lock(f, false, 0, 0, false)).isEqualTo(FAILED);
        assertThat(alpha.unlock(f, 0, 0)).isEqualTo(FAILED);
        refuse.set(false);
        assertThat(alpha.lock(f, false, 0, 0, false)).isEqualTo(GRANTED);
    }

    @Test
    void malformedCallsAreGarbage() throws Exception {
        RpcTestClient rpc = alpha.rpc;
        byte[] full = alpha.lockArgs(f, true, 0, 1, false, false).toBytes();
        assertThat(rpc.call(NLM, 4, 2, Arrays.copyOf(full, full.length - 4)).acceptStat())
                .as("truncated").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        byte[] badBool = full.clone();
        int blockAt = 4 + ((alpha.lastCookie.length + 3) & ~3);
        ByteBuffer.wrap(badBool).putInt(blockAt, 2);
        assertThat(rpc.call(NLM, 4, 2, badBool).acceptStat()).as("bool 2").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(rpc.call(NLM, 4, 1, new RpcTestClient.Out().opaque(new byte[1025]).i(0)).acceptStat())
                .as("a cookie over 1024 bytes").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(rpc.call(NLM, 4, 2, new RpcTestClient.Out().i(Integer.MAX_VALUE)).acceptStat())
                .as("an opaque claiming 2 GB").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        RpcTestClient.Out badMode = alpha.cookie().str("alpha").opaque(f).opaque(alpha.oh).i(7).i(1).i(0);
        assertThat(rpc.call(NLM, 4, 20, badMode).acceptStat()).as("fsh4_mode 7").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(rpc.call(NLM, 4, 23, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(rpc.call(NLM, 4, 12, new RpcTestClient.Out().opaque(new byte[4]).i(42)).acceptStat())
                .as("LOCK_RES with a status that is none").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(rpc.call(NSM, 1, 6, new RpcTestClient.Out().str("x")).acceptStat())
                .isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(udpCall(server.port(), NSM, 1, 6, new RpcTestClient.Out().i(5000).toBytes()))
                .as("a mon_name over 1025 bytes").isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(registry.get("nlm_requests").tag("procedure", "lock").tag("status", "GARBAGE_ARGS").timer()
                .count()).isEqualTo(3);
        // The connection and the server go on.
        assertThat(alpha.lock(f, true, 0, 1, false)).isEqualTo(GRANTED);
        assertThat(nlm.locks().counts(0).locks()).isEqualTo(1);
    }

    @Test
    void nmLockIsNotMonitoredWhileLockIs() throws Exception {
        assertThat(alpha.nmLock(f, true, 0, 1)).isEqualTo(GRANTED);
        assertThat(hosts.all()).isEmpty();
        assertThat(beta.nmLock(f, true, 0, 1)).isEqualTo(DENIED);
        assertThat(beta.lock(f, true, 5, 1, false)).isEqualTo(GRANTED);
        assertThat(hosts.all()).extracting(MonitoredHosts.Host::name).containsExactly("beta");
        MonitoredHosts.Host h = hosts.all().getFirst();
        assertThat(h.client()).isEqualTo("127.0.0.1");
        assertThat(h.address()).isEqualTo("127.0.0.1");
        assertThat(h.server()).as("the node's address as the client used it").isEqualTo("127.0.0.1");
    }

    /** One RPC call over UDP; returns the accept status. */
    static int udpCall(int port, int prog, int vers, int proc, byte[] args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        int xid = 0x5eed;
        for (int v : new int[] {xid, 0, 2, prog, vers, proc, 0, 0, 0, 0}) {
            out.writeInt(v);
        }
        out.write(args);
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(10_000);
            byte[] m = bytes.toByteArray();
            socket.send(new DatagramPacket(m, m.length, InetAddress.getLoopbackAddress(), port));
            byte[] buf = new byte[2048];
            DatagramPacket reply = new DatagramPacket(buf, buf.length);
            socket.receive(reply);
            ByteBuffer r = ByteBuffer.wrap(buf, 0, reply.getLength());
            assertThat(r.getInt()).isEqualTo(xid);
            assertThat(r.getInt()).isEqualTo(1); // REPLY
            assertThat(r.getInt()).isEqualTo(0); // MSG_ACCEPTED
            r.getInt(); // verifier: flavor, then its body
            int verifierLength = r.getInt();
            r.position(r.position() + verifierLength);
            return r.getInt();
        }
    }

    interface Check {
        void run() throws Exception;
    }

    /** Retries an assertion for a few seconds: callbacks run on their own threads. */
    static void eventually(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
