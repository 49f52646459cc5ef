package dev.regatta.dataplane.nfs;

import static dev.regatta.dataplane.nfs.TestExports.KEY;
import static dev.regatta.dataplane.nfs.TestExports.MOUNT;
import static dev.regatta.dataplane.nfs.TestExports.NFS;
import static dev.regatta.dataplane.nfs.TestExports.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regatta.dataplane.cache.BufferPool;
import dev.regatta.dataplane.fs.ExportTable;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * READ data travels from the file system to the socket in a buffer lent by a pool, and goes back to the pool only
 * once Grizzly has written its reply: a client that has not read its replies yet holds the buffers of those that do
 * not fit in the sockets' buffers, and each buffer comes back exactly once when they are read. Had one come back
 * early, the next READ would have overwritten bytes still on their way to this client.
 */
class ReadReplyBuffersTest {

    static final int MIB = 1 << 20;
    static final int READS = 16;

    final BufferPool pool = new BufferPool(64L << 20);
    MemoryFileSystem fs;
    SimpleMeterRegistry registry;
    NfsServer server;
    RpcTestClient client;

    @BeforeEach
    void start() throws Exception {
        fs = new MemoryFileSystem(false);
        fs.lendReadsFrom = pool;
        registry = new SimpleMeterRegistry();
        server = NfsServer.start(table(TestExports.export(0, "/fs-demo", fs)), KEY, registry, "127.0.0.1", 0,
                false);
        client = new RpcTestClient(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    byte[] file(byte[] content) throws Exception {
        RpcTestClient.Reply m = client.call(MOUNT, 3, 1, new RpcTestClient.Out().str("/fs-demo"));
        assertThat(m.body().i()).isZero();
        byte[] root = m.body().opaque();
        RpcTestClient.In c = client.call(NFS, 3, 8, new RpcTestClient.Out().opaque(root).str("big").i(0).sattr(0644))
                .body();
        assertThat(c.i()).isZero();
        assertThat(c.bool()).isTrue();
        byte[] fh = c.opaque();
        for (int at = 0; at < content.length; at += MIB) {
            RpcTestClient.In w = client.call(NFS, 3, 7, new RpcTestClient.Out().opaque(fh).l(at).i(MIB).i(0)
                    .opaque(Arrays.copyOfRange(content, at, at + MIB))).body();
            assertThat(w.i()).isZero();
        }
        return fh;
    }

    long readsServed() {
        Timer t = registry.find("nfs_requests").tag("procedure", "read").timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void aReadsBufferGoesBackToThePoolOnceItsReplyIsWrittenAndNotBefore() throws Exception {
        byte[] content = new byte[READS * MIB];
        new Random(1).nextBytes(content);
        byte[] fh = file(content);

        // A client that sends its READs and reads no reply: the server's writes stall once the sockets' buffers
        // (a few MiB) are full, with most replies still queued in Grizzly.
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(64 << 10);
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            slow.setSoTimeout(10_000);
            OutputStream out = slow.getOutputStream();
            Map<Integer, Integer> offsetOf = new HashMap<>();
            for (int i = 0; i < READS; i++) {
                int xid = 5000 + i;
                offsetOf.put(xid, i * MIB);
                out.write(call(xid, new RpcTestClient.Out().opaque(fh).l((long) i * MIB).i(MIB).toBytes()));
            }
            out.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (readsServed() < READS && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(readsServed()).as("READs answered (their replies handed to Grizzly)").isEqualTo(READS);
            assertThat(pool.lentBytes()).as("buffers out while the client reads nothing")
                    .isGreaterThanOrEqualTo(READS / 2L * MIB);

            DataInputStream in = new DataInputStream(slow.getInputStream());
            for (int i = 0; i < READS; i++) {
                RpcTestClient.In r = reply(in);
                int xid = r.i();
                assertThat(offsetOf).containsKey(xid);
                r.i(); // REPLY
                assertThat(r.i()).isZero(); // MSG_ACCEPTED
                r.i();
                r.opaque(); // verifier
                assertThat(r.i()).isZero(); // SUCCESS
                assertThat(r.i()).as("nfsstat3").isZero();
                r.postOp();
                assertThat(r.i()).isEqualTo(MIB);
                r.bool();
                int at = offsetOf.remove(xid);
                assertThat(Arrays.equals(r.opaque(), Arrays.copyOfRange(content, at, at + MIB)))
                        .as("the bytes at %d", at).isTrue();
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.lentBytes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(pool.lentBytes()).as("every buffer back").isZero();
        // A buffer given back twice would be in the pool twice, and lent twice over.
        int pooled = (int) (pool.pooledBytes() / MIB);
        Set<ByteBuffer> drained = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < pooled; i++) {
            drained.add(pool.lend(MIB).bytes());
        }
        assertThat(drained).as("buffers in the pool, each once").hasSize(pooled);
        assertThat(pool.pooledBytes()).isZero();
    }

    /** A READ call as a record: marker, RPC header with AUTH_SYS, then the arguments. */
    static byte[] call(int xid, byte[] args) {
        RpcTestClient.Out cred = new RpcTestClient.Out().i(0).str("test").i(1000).i(1000).i(1).i(1000);
        RpcTestClient.Out msg = new RpcTestClient.Out().i(xid).i(0).i(2).i(NFS).i(3).i(6).i(1)
                .opaque(cred.toBytes()).i(0).i(0);
        msg.bytes.writeBytes(args);
        byte[] m = msg.toBytes();
        return ByteBuffer.allocate(4 + m.length).putInt(0x80000000 | m.length).put(m).array();
    }

    static RpcTestClient.In reply(DataInputStream in) throws Exception {
        int mark = in.readInt();
        assertThat(mark).as("one fragment").isNegative();
        byte[] record = new byte[mark & 0x7fffffff];
        in.readFully(record);
        return new RpcTestClient.In(ByteBuffer.wrap(record));
    }
}
