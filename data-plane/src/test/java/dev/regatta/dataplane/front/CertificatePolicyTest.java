package dev.regatta.dataplane.front;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.nfs.MemoryFileSystem;
import dev.regatta.dataplane.nfs.NfsServer;
import dev.regatta.dataplane.nfs.NlmTestClient;
import dev.regatta.dataplane.nfs.RpcTestClient;
import dev.regatta.dataplane.nfs.TestExports;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.node.Grant;
import dev.regatta.dataplane.node.GrantBook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's connection policy over a real NFS server and raw RPC: each connection is registered as the TLS front
 * would register it, with the identity of a client certificate.
 */
class CertificatePolicyTest {

    private static final String FS_A = "fs-aaaaaaaaaaaaaaaaa";
    private static final String FS_B = "fs-bbbbbbbbbbbbbbbbb";
    private static final int MNT3ERR_ACCES = 13;
    private static final int NFS3ERR_ACCES = 13;
    private static final int NFS3ERR_ROFS = 30;

    private final MutableGrants grants = new MutableGrants();
    private final TunnelledConnections connections = new TunnelledConnections();
    private final List<RpcTestClient> clients = new ArrayList<>();
    private final ClientActivity activity = new ClientActivity(Duration.ofMinutes(5),
            remote -> connections.identityOf(remote).map(MountIdentity::clientName)
                    .orElseGet(() -> ClientActivity.hostOf(remote)));
    private NfsServer server;
    private MemoryFileSystem fsA;

    private void start(boolean admitUntunnelled) throws Exception {
        fsA = new MemoryFileSystem(false);
        ExportTable table = TestExports.table(TestExports.export(0, "/" + FS_A, fsA),
                TestExports.export(1, "/" + FS_B, new MemoryFileSystem(false)));
        server = NfsServer.start(table, TestExports.KEY, new SimpleMeterRegistry(), "127.0.0.1", 0, false,
                new CertificatePolicy(connections, grants, admitUntunnelled), activity);
    }

    @AfterEach
    void stop() throws Exception {
        for (RpcTestClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** A connection as the TLS front makes it for a certificate of {@code fs} with {@code grantId}. */
    private RpcTestClient tunnelled(String fs, boolean readOnly, String grantId) throws Exception {
        return tunnelled(fs, readOnly, grantId, "10.0.0.9");
    }

    private RpcTestClient tunnelled(String fs, boolean readOnly, String grantId, String instance) throws Exception {
        return tunnelled(fs, readOnly, grantId, instance, "mount-" + (clients.size() + 1));
    }

    private RpcTestClient tunnelled(String fs, boolean readOnly, String grantId, String instance, String mountId)
            throws Exception {
        RpcTestClient client = new RpcTestClient(server.port());
        clients.add(client);
        connections.opened(client.localAddress(), new MountIdentity(mountId, fs, readOnly, grantId,
                "arn:aws:sts::123456789012:assumed-role/app/i-0abc", new InetSocketAddress(instance, 700)));
        return client;
    }

    @Test
    void connectedClientsAreTheMountsBehindTheFrontNotItsLoopbackHop() throws Exception {
        start(true);
        grants.set(FS_A, new Grant("grant-a", "123456789012", "READ_WRITE", false));
        mnt(tunnelled(FS_A, false, "grant-a", "10.0.0.9", "mount-a"), "/" + FS_A, 0);
        mnt(tunnelled(FS_A, false, "grant-a", "10.0.0.10", "mount-b"), "/" + FS_A, 0);
        mnt(tunnelled(FS_A, false, "grant-a", "10.0.0.10", "mount-b"), "/" + FS_A, 0);

        assertThat(activity.recentClients(0)).as("two mounts, three connections, all through loopback").isEqualTo(2);
    }

    @Test
    void aCertificateMountsOnlyItsFileSystem() throws Exception {
        start(false);
        grants.set(FS_A, new Grant("grant-a", "arn:aws:iam::123456789012:role/app", "READ_WRITE", false));
        RpcTestClient client = tunnelled(FS_A, false, "grant-a");

        byte[] root = mnt(client, "/" + FS_A, 0);
        mnt(client, "/" + FS_B, MNT3ERR_ACCES);
        create(client, root, "f", 0);

        // A handle of another file system, however obtained, is refused too.
        RpcTestClient other = tunnelled(FS_B, false, "grant-b");
        grants.set(FS_B, new Grant("grant-b", "arn:aws:iam::123456789012:role/app", "READ_WRITE", false));
        byte[] rootB = mnt(other, "/" + FS_B, 0);
        getattr(client, rootB, NFS3ERR_ACCES);
    }

    @Test
    void aReadOnlyCertificateOrGrantCannotChangeAnything() throws Exception {
        start(false);
        grants.set(FS_A, new Grant("grant-rw", "123456789012", "READ_WRITE", false),
                new Grant("grant-ro", "arn:aws:iam::123456789012:role/reader", "READ_ONLY", false));

        RpcTestClient readOnlyCertificate = tunnelled(FS_A, true, "grant-rw");
        byte[] root = mnt(readOnlyCertificate, "/" + FS_A, 0);
        create(readOnlyCertificate, root, "f", NFS3ERR_ROFS);
        getattr(readOnlyCertificate, root, 0);

        RpcTestClient readOnlyGrant = tunnelled(FS_A, false, "grant-ro");
        create(readOnlyGrant, mnt(readOnlyGrant, "/" + FS_A, 0), "g", NFS3ERR_ROFS);
    }

    @Test
    void aRemovedGrantRefusesTheNextCall() throws Exception {
        start(false);
        grants.set(FS_A, new Grant("grant-a", "123456789012", "READ_WRITE", false));
        RpcTestClient client = tunnelled(FS_A, false, "grant-a");
        byte[] root = mnt(client, "/" + FS_A, 0);
        getattr(client, root, 0);

        grants.set(FS_A); // the next heartbeat answer no longer lists it

        getattr(client, root, NFS3ERR_ACCES);
        mnt(client, "/" + FS_A, MNT3ERR_ACCES);
    }

    @Test
    void rootSquashMakesRootNobody() throws Exception {
        start(false);
        grants.set(FS_A, new Grant("grant-a", "123456789012", "READ_WRITE", true));
        RpcTestClient client = tunnelled(FS_A, false, "grant-a");
        client.uid = 0;
        byte[] root = mnt(client, "/" + FS_A, 0);
        create(client, root, "f", 0);
        assertThat(fsA.lastCreator.uid()).isEqualTo(Caller.NOBODY);
        assertThat(fsA.lastCreator.gid()).isEqualTo(Caller.NOBODY);

        client.uid = 1000;
        create(client, root, "g", 0);
        assertThat(fsA.lastCreator.uid()).as("only root is squashed").isEqualTo(1000);

        grants.set(FS_A, new Grant("grant-a", "123456789012", "READ_WRITE", false));
        client.uid = 0;
        create(client, root, "h", 0);
        assertThat(fsA.lastCreator.uid()).isZero();
    }

    @Test
    void untunnelledConnectionsAreAdmittedOnlyWhenAllowed() throws Exception {
        start(false);
        RpcTestClient direct = new RpcTestClient(server.port());
        clients.add(direct);
        mnt(direct, "/" + FS_A, MNT3ERR_ACCES);
        server.close();

        start(true);
        RpcTestClient local = new RpcTestClient(server.port());
        clients.add(local);
        create(local, mnt(local, "/" + FS_A, 0), "f", 0);
    }

    @Test
    void locksFollowTheCertificateAndTheGrant() throws Exception {
        start(false);
        grants.set(FS_A, new Grant("grant-rw", "123456789012", "READ_WRITE", false),
                new Grant("grant-ro", "arn:aws:iam::123456789012:role/reader", "READ_ONLY", false));
        grants.set(FS_B, new Grant("grant-b", "123456789012", "READ_WRITE", false));
        RpcTestClient writer = tunnelled(FS_A, false, "grant-rw", "10.0.0.9");
        byte[] root = mnt(writer, "/" + FS_A, 0);
        RpcTestClient reader = tunnelled(FS_A, false, "grant-ro", "10.0.0.10");
        mnt(reader, "/" + FS_A, 0);
        RpcTestClient other = tunnelled(FS_B, false, "grant-b", "10.0.0.11");
        byte[] rootB = mnt(other, "/" + FS_B, 0);

        NlmTestClient w = new NlmTestClient(writer, "writer", 1);
        NlmTestClient r = new NlmTestClient(reader, "reader", 1);
        assertThat(r.lock(root, false, 0, 1, false)).as("a read lock needs no write access")
                .isEqualTo(NlmTestClient.GRANTED);
        assertThat(r.lock(root, true, 0, 1, false)).isEqualTo(NlmTestClient.ROFS);
        assertThat(r.share(root, 2, 3)).isEqualTo(NlmTestClient.ROFS);
        assertThat(w.lock(root, true, 0, 1, false)).as("the reader's lock is another host's")
                .isEqualTo(NlmTestClient.DENIED);
        assertThat(w.lock(root, true, 1, 1, false)).isEqualTo(NlmTestClient.GRANTED);
        assertThat(w.lock(rootB, false, 0, 1, false)).as("another file system's handle")
                .isEqualTo(NlmTestClient.FAILED);
        // Both instances come through loopback; their locks are told apart by the instance behind each.
        assertThat(server.nlm().locks().clients())
                .containsExactlyInAnyOrder("mount:mount-1@10.0.0.9", "mount:mount-2@10.0.0.10");

        grants.set(FS_A, new Grant("grant-rw", "123456789012", "READ_WRITE", false));
        assertThat(r.lock(root, false, 5, 1, false)).as("the grant is gone").isEqualTo(NlmTestClient.FAILED);
    }

    private static byte[] mnt(RpcTestClient client, String path, int expected) throws Exception {
        RpcTestClient.Reply r = client.call(TestExports.MOUNT, 3, 1, new RpcTestClient.Out().str(path));
        assertThat(r.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(r.body().i()).as("MNT %s", path).isEqualTo(expected);
        return expected == 0 ? r.body().opaque() : null;
    }

    private static void create(RpcTestClient client, byte[] dir, String name, int expected) throws Exception {
        RpcTestClient.Reply r = client.call(TestExports.NFS, 3, 8,
                new RpcTestClient.Out().opaque(dir).str(name).i(0).sattr(0644));
        assertThat(r.body().i()).as("CREATE %s", name).isEqualTo(expected);
    }

    private static void getattr(RpcTestClient client, byte[] fh, int expected) throws Exception {
        RpcTestClient.Reply r = client.call(TestExports.NFS, 3, 1, new RpcTestClient.Out().opaque(fh));
        assertThat(r.body().i()).as("GETATTR").isEqualTo(expected);
    }

    /** The grants a node learned from its last heartbeat, set by the test. */
    private static final class MutableGrants implements GrantBook {
        private final Map<String, List<Grant>> byFileSystem = new ConcurrentHashMap<>();

        void set(String fileSystemId, Grant... grants) {
            byFileSystem.put(fileSystemId, List.of(grants));
        }

        @Override
        public boolean isActive(String fileSystemId, String grantId) {
            return grantsOf(fileSystemId).stream().anyMatch(g -> g.id().equals(grantId));
        }

        @Override
        public List<Grant> grantsOf(String fileSystemId) {
            return byFileSystem.getOrDefault(fileSystemId, List.of());
        }

        @Override
        public CompletionStage<Void> refresh() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
