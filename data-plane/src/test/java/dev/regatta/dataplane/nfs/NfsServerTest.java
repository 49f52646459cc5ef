package dev.regatta.dataplane.nfs;

import static dev.regatta.dataplane.nfs.TestExports.KEY;
import static dev.regatta.dataplane.nfs.TestExports.MOUNT;
import static dev.regatta.dataplane.nfs.TestExports.NFS;
import static dev.regatta.dataplane.nfs.TestExports.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.nfs.v3.FileHandles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NfsServerTest {

    MemoryFileSystem fs;
    SimpleMeterRegistry registry;
    NfsServer server;
    RpcTestClient client;
    byte[] root;

    @BeforeEach
    void start() throws Exception {
        fs = new MemoryFileSystem(false);
        registry = new SimpleMeterRegistry();
        ExportTable table = table(TestExports.export(0, "/fs-demo", fs),
                TestExports.export(1, "/ro", new MemoryFileSystem(true)));
        server = NfsServer.start(table, KEY, registry, "127.0.0.1", 0, false);
        client = new RpcTestClient(server.port());
        root = mnt("/fs-demo");
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        if (server != null) {
            server.close();
        }
    }

    byte[] mnt(String path) throws Exception {
        RpcTestClient.Reply r = client.call(MOUNT, 3, 1, new RpcTestClient.Out().str(path));
        assertThat(r.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(r.body().i()).isEqualTo(0);
        byte[] fh = r.body().opaque();
        assertThat(r.body().i()).isEqualTo(2);
        assertThat(r.body().i()).isEqualTo(1);
        assertThat(r.body().i()).isEqualTo(0);
        return fh;
    }

    RpcTestClient.In nfs(int proc, RpcTestClient.Out args, int expectedStatus) throws Exception {
        RpcTestClient.Reply r = client.call(NFS, 3, proc, args);
        assertThat(r.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(r.body().i()).as("nfsstat3 of proc " + proc).isEqualTo(expectedStatus);
        return r.body();
    }

    static RpcTestClient.Out dirop(byte[] dir, String name) {
        return new RpcTestClient.Out().opaque(dir).str(name);
    }

    byte[] create(String name) throws Exception {
        RpcTestClient.In in = nfs(8, dirop(root, name).i(0).sattr(0644), 0);
        assertThat(in.bool()).isTrue();
        byte[] fh = in.opaque();
        assertThat(in.postOp()[0]).isEqualTo(1);
        in.wcc();
        assertThat(in.done()).isTrue();
        return fh;
    }

    @Test
    void mountDumpExportUmnt() throws Exception {
        assertThat(mnt("/fs-demo/")).isEqualTo(root);
        RpcTestClient.Reply bad = client.call(MOUNT, 3, 1, new RpcTestClient.Out().str("/nope"));
        assertThat(bad.body().i()).isEqualTo(2); // MNT3ERR_NOENT
        RpcTestClient.In dump = client.call(MOUNT, 3, 2, new byte[0]).body();
        assertThat(dump.bool()).isTrue();
        assertThat(dump.str()).isEqualTo("127.0.0.1");
        assertThat(dump.str()).isEqualTo("/fs-demo");
        assertThat(dump.bool()).isFalse();
        RpcTestClient.In exports = client.call(MOUNT, 3, 5, new byte[0]).body();
        List<String> paths = new ArrayList<>();
        while (exports.bool()) {
            paths.add(exports.str());
            assertThat(exports.bool()).isFalse();
        }
        assertThat(paths).containsExactly("/fs-demo", "/ro");
        client.call(MOUNT, 3, 3, new RpcTestClient.Out().str("/fs-demo"));
        assertThat(client.call(MOUNT, 3, 2, new byte[0]).body().bool()).isFalse();
    }

    @Test
    void eachProgramIsTimedUnderItsOwnName() throws Exception {
        mnt("/fs-demo");
        client.call(MOUNT, 3, 1, new RpcTestClient.Out().str("/nope"));
        assertThat(client.call(MOUNT, 3, 9, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.PROC_UNAVAIL);
        nfs(1, new RpcTestClient.Out().opaque(root), 0);
        assertThat(client.call(NFS, 3, 1, new RpcTestClient.Out().i(Integer.MAX_VALUE).toBytes()).acceptStat())
                .isEqualTo(RpcTestClient.GARBAGE_ARGS);
        // A call is timed after its reply is sent; closing the server waits for the calls still running.
        server.close();
        server = null;

        assertThat(registry.get("mount_requests").tag("procedure", "mnt").tag("status", "ok").timer().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(registry.get("mount_requests").tag("procedure", "mnt").tag("status", "MNT3ERR_NOENT").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("mount_requests").tag("procedure", "unknown").tag("status", "PROC_UNAVAIL").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("nfs_requests").tag("procedure", "getattr").tag("status", "ok").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("nfs_requests").tag("procedure", "getattr").tag("status", "GARBAGE_ARGS").timer()
                .count()).isEqualTo(1);
        // MOUNT calls no longer hide among the NFS ones (the bench reads nfs_requests as NFSv3 only).
        assertThat(registry.find("nfs_requests").tag("procedure", "mount_mnt").timers()).isEmpty();
        assertThat(registry.find("nfs_requests").tag("procedure", "mnt").timers()).isEmpty();
        assertThat(registry.get("mount_requests").timer().getId().getDescription())
                .isEqualTo("MOUNTv3 requests by procedure and status");
    }

    @Test
    void createWriteReadLookupRenameRemove() throws Exception {
        RpcTestClient.In attr = nfs(1, new RpcTestClient.Out().opaque(root), 0);
        assertThat(attr.fattr()[0]).isEqualTo(2); // NF3DIR

        byte[] fh = create("a.txt");
        byte[] data = "hello, world".getBytes(StandardCharsets.UTF_8);
        RpcTestClient.In w = nfs(7, new RpcTestClient.Out().opaque(fh).l(0).i(data.length).i(2).opaque(data), 0);
        w.wcc();
        assertThat(w.i()).isEqualTo(data.length);
        assertThat(w.i()).isEqualTo(2); // FILE_SYNC
        assertThat(w.l()).isEqualTo(fs.writeVerifier());

        RpcTestClient.In r = nfs(6, new RpcTestClient.Out().opaque(fh).l(7).i(100), 0);
        assertThat(r.postOp()[1]).isEqualTo(data.length);
        assertThat(r.i()).isEqualTo(5);
        assertThat(r.bool()).isTrue();
        assertThat(new String(r.opaque(), StandardCharsets.UTF_8)).isEqualTo("world");
        assertThat(r.done()).isTrue();

        RpcTestClient.In l = nfs(3, dirop(root, "a.txt"), 0);
        assertThat(l.opaque()).isEqualTo(fh);
        assertThat(l.postOp()).isNotNull();
        assertThat(l.postOp()[0]).isEqualTo(2);

        RpcTestClient.In c = nfs(21, new RpcTestClient.Out().opaque(fh).l(0).i(0), 0);
        c.wcc();
        assertThat(c.l()).isEqualTo(fs.writeVerifier());

        RpcTestClient.In mv = nfs(14, dirop(root, "a.txt").opaque(root).str("b.txt"), 0);
        mv.wcc();
        mv.wcc();
        assertThat(mv.done()).isTrue();
        RpcTestClient.In gone = nfs(3, dirop(root, "a.txt"), 2);
        assertThat(gone.postOp()).as("dir attributes on NOENT").isNotNull();
        nfs(3, dirop(root, "b.txt"), 0);
        nfs(12, dirop(root, "b.txt"), 0).wcc();
        nfs(3, dirop(root, "b.txt"), 2);
        nfs(1, new RpcTestClient.Out().opaque(fh), 70); // STALE from the file system

        assertThat(registry.get("nfs_requests").tag("procedure", "create").tag("status", "ok").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("nfs_requests").tag("procedure", "lookup").tag("status", "NFS3ERR_NOENT").timer()
                .count()).isEqualTo(2);
    }

    @Test
    void mkdirSymlinkLinkAccess() throws Exception {
        RpcTestClient.In m = nfs(9, dirop(root, "d").sattr(0755), 0);
        assertThat(m.bool()).isTrue();
        byte[] d = m.opaque();
        nfs(9, dirop(root, "d").sattr(0755), 17); // EXIST
        RpcTestClient.In s = nfs(10, dirop(d, "ln").sattr(null).str("../target"), 0);
        s.bool();
        byte[] ln = s.opaque();
        RpcTestClient.In rl = nfs(5, new RpcTestClient.Out().opaque(ln), 0);
        rl.postOp();
        assertThat(rl.str()).isEqualTo("../target");
        nfs(10, dirop(d, "long").sattr(null).opaque(new byte[4097]), 63);
        byte[] f = create("f");
        RpcTestClient.In lk = nfs(15, new RpcTestClient.Out().opaque(f).opaque(d).str("f2"), 0);
        assertThat(lk.postOp()).isNotNull();
        RpcTestClient.In acc = nfs(4, new RpcTestClient.Out().opaque(f).i(0x3f), 0);
        acc.postOp();
        assertThat(acc.i()).isEqualTo(0x3f);
        nfs(11, dirop(root, "reg").i(1), 10007); // MKNOD of a regular file: BADTYPE
        nfs(13, dirop(root, "d"), 66); // RMDIR non-empty: NOTEMPTY

        // CREATE EXCLUSIVE: a retransmission with the same verifier succeeds with the same handle.
        RpcTestClient.In x1 = nfs(8, dirop(root, "excl").i(2).l(0xCAFEL), 0);
        x1.bool();
        byte[] h1 = x1.opaque();
        RpcTestClient.In x2 = nfs(8, dirop(root, "excl").i(2).l(0xCAFEL), 0);
        x2.bool();
        assertThat(x2.opaque()).isEqualTo(h1);
        nfs(8, dirop(root, "excl").i(2).l(0xBEEFL), 17);
        nfs(8, dirop(root, "excl").i(1).sattr(null), 17); // GUARDED
        assertThat(client.call(NFS, 3, 8, dirop(root, "excl").i(3)).acceptStat())
                .isEqualTo(RpcTestClient.GARBAGE_ARGS); // createmode3 out of range
        // SETATTR with a stale guard: NOT_SYNC.
        nfs(2, new RpcTestClient.Out().opaque(h1).sattr(0600).i(1).i(1).i(0), 10002);
        RpcTestClient.In sa = nfs(2, new RpcTestClient.Out().opaque(h1).sattr(0600).i(0), 0);
        sa.wcc();
        assertThat(sa.done()).isTrue();
    }

    @Test
    void readdirAndReaddirplusInSmallChunks() throws Exception {
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < 25; i++) {
            create("file-" + i);
            expected.add("file-" + i);
        }
        for (boolean plus : new boolean[] {false, true}) {
            List<String> seen = new ArrayList<>();
            long cookie = 0;
            long verf = 0;
            boolean eof = false;
            int calls = 0;
            while (!eof) {
                calls++;
                RpcTestClient.Out args = new RpcTestClient.Out().opaque(root).l(cookie).l(verf);
                RpcTestClient.In in = plus ? nfs(17, args.i(300).i(700), 0) : nfs(16, args.i(300), 0);
                assertThat(in.postOp()).isNotNull();
                verf = in.l();
                while (in.bool()) {
                    long fileId = in.l();
                    seen.add(in.str());
                    cookie = in.l();
                    if (plus) {
                        assertThat(in.postOp()[2]).isEqualTo(fileId);
                        assertThat(in.bool()).isTrue();
                        byte[] fh = in.opaque();
                        assertThat(fh).hasSize(FileHandles.LENGTH);
                    }
                }
                eof = in.bool();
                assertThat(in.done()).isTrue();
                assertThat(calls).isLessThan(100);
            }
            assertThat(calls).as("several calls").isGreaterThan(2);
            assertThat(seen).doesNotHaveDuplicates();
            assertThat(new HashSet<>(seen)).isEqualTo(expected);
        }
        // Not even one entry fits.
        nfs(16, new RpcTestClient.Out().opaque(root).l(0).l(0).i(100), 10005);
        nfs(17, new RpcTestClient.Out().opaque(root).l(0).l(0).i(100).i(200), 10005);
    }

    @Test
    void fsinfoFsstatPathconf() throws Exception {
        RpcTestClient.In in = nfs(19, new RpcTestClient.Out().opaque(root), 0);
        assertThat(in.postOp()).isNotNull();
        assertThat(in.i()).isEqualTo(1 << 20); // rtmax
        assertThat(in.i()).isEqualTo(1 << 20);
        in.i();
        assertThat(in.i()).isEqualTo(1 << 20); // wtmax
        in.i();
        in.i();
        assertThat(in.i()).isEqualTo(64 << 10);
        assertThat(in.l()).as("maxfilesize: S3's largest object, 5 TiB").isEqualTo(5L << 40);
        assertThat(in.i()).isEqualTo(0);
        assertThat(in.i()).isEqualTo(1);
        assertThat(in.i()).isEqualTo(0x1b);
        assertThat(in.done()).isTrue();
        RpcTestClient.In st = nfs(18, new RpcTestClient.Out().opaque(root), 0);
        st.postOp();
        assertThat(st.l()).isEqualTo(1L << 40);
        RpcTestClient.In pc = nfs(20, new RpcTestClient.Out().opaque(root), 0);
        pc.postOp();
        assertThat(pc.i()).isEqualTo(32000);
        assertThat(pc.i()).isEqualTo(255);
    }

    @Test
    void badInput() throws Exception {
        // Truncated WRITE: GARBAGE_ARGS, and the connection keeps working.
        byte[] full = new RpcTestClient.Out().opaque(root).l(0).i(10).i(0).opaque(new byte[10]).toBytes();
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 8);
        assertThat(client.call(NFS, 3, 7, truncated).acceptStat()).isEqualTo(RpcTestClient.GARBAGE_ARGS);
        // An opaque claiming 2 GB: garbage, not an allocation.
        byte[] huge = new RpcTestClient.Out().i(Integer.MAX_VALUE).toBytes();
        assertThat(client.call(NFS, 3, 1, huge).acceptStat()).isEqualTo(RpcTestClient.GARBAGE_ARGS);
        assertThat(client.call(NFS, 3, 0, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.SUCCESS);

        byte[] forged = root.clone();
        forged[forged.length - 1] ^= 1;
        nfs(1, new RpcTestClient.Out().opaque(forged), 10001);
        nfs(1, new RpcTestClient.Out().opaque(new byte[65]), 10001);
        nfs(1, new RpcTestClient.Out().opaque(new FileHandles(KEY).encode(TestExports.export(9, "/gone", fs), 1)), 70); // unknown export: STALE

        assertThat(client.call(NFS, 3, 99, new byte[0]).acceptStat()).isEqualTo(RpcTestClient.PROC_UNAVAIL);
        RpcTestClient.Reply v4 = client.call(NFS, 4, 0, new byte[0]);
        assertThat(v4.acceptStat()).isEqualTo(RpcTestClient.PROG_MISMATCH);
        assertThat(v4.low()).isEqualTo(3);
        assertThat(v4.high()).isEqualTo(3);

        nfs(8, dirop(root, "x".repeat(256)).i(0).sattr(null), 63);
        nfs(8, dirop(root, "a/b").i(0).sattr(null), 22);
        nfs(8, dirop(root, "").i(0).sattr(null), 22);
        nfs(3, dirop(root, "a/b"), 22);
        nfs(8, dirop(root, "x".repeat(255)).i(0).sattr(null), 0);

        // An unexpected exception in the file system: SERVERFAULT, logged, and the server goes on.
        fs.failNextGetattr = new IllegalStateException("boom");
        nfs(1, new RpcTestClient.Out().opaque(root), 10006);
        nfs(1, new RpcTestClient.Out().opaque(root), 0);
    }

    @Test
    void readOnlyExport() throws Exception {
        byte[] ro = mnt("/ro");
        RpcTestClient.In in = nfs(8, dirop(ro, "f").i(0).sattr(null), 30);
        in.wcc();
        assertThat(in.done()).isTrue();
        nfs(9, dirop(ro, "d").sattr(null), 30);
        nfs(2, new RpcTestClient.Out().opaque(ro).sattr(0700).i(0), 30);
        nfs(1, new RpcTestClient.Out().opaque(ro), 0);
        RpcTestClient.In acc = nfs(4, new RpcTestClient.Out().opaque(ro).i(0x3f), 0);
        acc.postOp();
        assertThat(acc.i()).isEqualTo(0x23); // READ | LOOKUP | EXECUTE
        // Handles of different exports in one RENAME: XDEV.
        nfs(14, dirop(root, "x").opaque(ro).str("y"), 18);
    }

    @Test
    void largeWriteAndRead() throws Exception {
        byte[] fh = create("big");
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        RpcTestClient.In w = nfs(7, new RpcTestClient.Out().opaque(fh).l(0).i(data.length).i(0).opaque(data), 0);
        w.wcc();
        assertThat(w.i()).isEqualTo(data.length);
        RpcTestClient.In r = nfs(6, new RpcTestClient.Out().opaque(fh).l(0).i(Integer.MAX_VALUE), 0);
        r.postOp();
        assertThat(r.i()).isEqualTo(data.length);
        assertThat(r.bool()).isTrue();
        assertThat(r.opaque()).isEqualTo(data);
    }

    @Test
    void embeddedPortmapAnswersGetport() throws Exception {
        NfsServer withPortmap;
        try {
            withPortmap = NfsServer.start(table(TestExports.export(0, "/fs-demo", fs)), KEY,
                    registry, "127.0.0.1", 0, true);
        } catch (Exception e) {
            org.junit.jupiter.api.Assumptions.abort("cannot run a portmapper on 111 here: " + e);
            return;
        }
        try (withPortmap; RpcTestClient pm = new RpcTestClient(111)) {
            for (int prog : new int[] {NFS, MOUNT}) {
                RpcTestClient.Reply r = pm.call(100000, 2, 3, new RpcTestClient.Out().i(prog).i(3).i(6).i(0));
                assertThat(r.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
                assertThat(r.body().i()).as("GETPORT of " + prog).isEqualTo(withPortmap.port());
            }
        }
    }
}
