package dev.regatta.dataplane.nfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.GatedFileSystem;
import dev.regatta.dataplane.nfs.rpc.ClientActivity;
import dev.regatta.dataplane.nfs.rpc.ConnectionPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exports added and removed while the NFS server runs (ephemeral port, no portmap). */
class DynamicExportsTest {

    static final int NFS3ERR_STALE = 70;
    static final int MNT3ERR_NOENT = 2;

    final ExportTable exports = new ExportTable();
    final ClientActivity activity = new ClientActivity(Duration.ofMillis(500));
    NfsServer server;
    RpcTestClient client;

    @BeforeEach
    void start() throws Exception {
        exports.add(TestExports.export(0, "/fs-a", new MemoryFileSystem(false)));
        server = NfsServer.start(exports, TestExports.KEY, new SimpleMeterRegistry(), "127.0.0.1", 0, false,
                ConnectionPolicy.ALLOW_ALL, activity);
        client = new RpcTestClient(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    /** MNT's status, and the root handle when it is 0. */
    byte[] mnt(String path, int expectedStatus) throws Exception {
        RpcTestClient.In in = client.call(TestExports.MOUNT, 3, 1, new RpcTestClient.Out().str(path)).body();
        assertThat(in.i()).as("MNT " + path).isEqualTo(expectedStatus);
        return expectedStatus == 0 ? in.opaque() : null;
    }

    int getattr(byte[] handle) throws Exception {
        return client.call(TestExports.NFS, 3, 1, new RpcTestClient.Out().opaque(handle)).body().i();
    }

    @Test
    void anExportAddedAtRuntimeIsMountableAndARemovedOnesHandlesAreStale() throws Exception {
        mnt("/fs-b", MNT3ERR_NOENT);
        exports.add(TestExports.export(1, "/fs-b", new MemoryFileSystem(false)));
        byte[] b = mnt("/fs-b", 0);
        byte[] a = mnt("/fs-a", 0);
        assertThat(getattr(b)).isZero();

        exports.remove("/fs-b");
        assertThat(getattr(b)).isEqualTo(NFS3ERR_STALE);
        mnt("/fs-b", MNT3ERR_NOENT);
        assertThat(getattr(a)).as("the other export is untouched").isZero();

        // Served again under its index (as the server does for a re-assigned file system): its handles work again.
        exports.add(TestExports.export(1, "/fs-b", new MemoryFileSystem(false)));
        assertThat(getattr(b)).isZero();
    }

    @Test
    void aClosedGateAnswersStaleForCallsThatAlreadyFoundTheExport() throws Exception {
        GatedFileSystem gate = new GatedFileSystem(new MemoryFileSystem(false));
        exports.add(TestExports.export(1, "/fs-b", gate));
        byte[] b = mnt("/fs-b", 0);
        assertThat(gate.close(Duration.ofSeconds(5))).isTrue();
        assertThat(getattr(b)).isEqualTo(NFS3ERR_STALE);
    }

    @Test
    void clientsAreCountedPerExport() throws Exception {
        exports.add(TestExports.export(1, "/fs-b", new MemoryFileSystem(false)));
        assertThat(activity.recentClients(0)).isZero();
        byte[] a = mnt("/fs-a", 0);
        getattr(a);
        try (RpcTestClient second = new RpcTestClient(server.port())) {
            second.call(TestExports.NFS, 3, 1, new RpcTestClient.Out().opaque(a));
        }
        assertThat(activity.recentClients(0)).as("one address, two connections").isEqualTo(1);
        assertThat(activity.recentClients(1)).isZero();
        assertThat(activity.calls(0)).as("MNT, then two GETATTRs").isEqualTo(3);
        assertThat(activity.calls(1)).isZero();
        byte[] b = mnt("/fs-b", 0);
        getattr(b);
        assertThat(activity.calls(1)).isEqualTo(2);
        assertThat(activity.calls(0)).isEqualTo(3);
        activity.forget(0);
        assertThat(activity.recentClients(0)).isZero();
        assertThat(activity.calls(0)).as("forgotten with the export").isZero();
        assertThat(activity.calls(1)).isEqualTo(2);

        getattr(a);
        assertThat(activity.recentClients(0)).isEqualTo(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (activity.recentClients(0) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(activity.recentClients(0)).as("a quiet client leaves after the window").isZero();
    }
}
