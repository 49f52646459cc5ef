package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.nfs.rpc.Xdr;
import dev.regatta.dataplane.nfs.rpc.Xdr.Reply;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import dev.regatta.dataplane.s3.S3ObjectStore;
import dev.regatta.dataplane.server.DataPlane;
import dev.regatta.dataplane.server.DataPlaneConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.dcache.oncrpc4j.rpc.OncRpcClient;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The workload that trains the data plane's ahead-of-time cache ({@code ./regatta} runs it once per build under
 * {@code -XX:AOTMode=record}, see the README). A fresh data plane spent more CPU compiling and loading classes than
 * serving in the bench's first minute of each phase (JFR: 14-27 s of compiling against 5-11 s of work on two cores);
 * with a cache of the classes loaded and linked, and of the methods' profiles, from this run, it starts in half the
 * CPU and serves a cold 1 GiB read about 12% sooner.
 *
 * <p>It runs what a node runs: a local bucket, a data plane on it, and NFS clients over TCP doing the common
 * procedures (small files made, written, committed, read, listed, renamed and removed; a large file written and read
 * in 1 MiB calls; random stable writes), uploads drained, then objects put by another tool, listed, HEADed and read
 * cold through the prefetcher. Each procedure must succeed: a training run that silently did nothing would make a
 * useless cache.
 */
final class AotTraining {
    static final String BUCKET = "training";
    private static final String EXPORT = "/fs-training";
    private static final int NFS = 100003;
    private static final int MOUNT = 100005;
    private static final int VERSION = 3;
    private static final RpcAuth AUTH = new RpcAuthTypeUnix(0, 0, new int[] {0}, 0, "regatta-training");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What the run did, for its test and its last line. */
    record Done(long calls, long uploadedObjects, long importedBytesRead) {
    }

    private AotTraining() {
    }

    /** Runs the whole workload in {@code dataDir} (made fresh; the caller removes it) with {@code workers} clients. */
    static Done run(Path dataDir, int workers, int filesPerWorker) throws Exception {
        try (LocalS3Endpoint s3 = LocalS3Endpoint.startFilesystem(dataDir.resolve("s3"), 0, "training",
                "training-secret")) {
            s3.createBucket(BUCKET);
            DataPlaneConfig config = DataPlaneConfig.defaults(dataDir.resolve("node"))
                    .withS3(new DataPlaneConfig.S3(s3.endpoint(), "us-east-1", s3.accessKey(), s3.secretKey(),
                            BUCKET, "", true))
                    .withNfs("127.0.0.1", 0, false)
                    .withMetricsPort(0)
                    .withExportPath(EXPORT)
                    .withTimings(Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ZERO);
            AtomicLong calls = new AtomicLong();
            try (DataPlane node = DataPlane.start(config);
                 S3Client other = S3ObjectStore.buildClient(s3.endpoint(), "us-east-1", s3.accessKey(),
                         s3.secretKey(), true)) {
                InetSocketAddress address = new InetSocketAddress("127.0.0.1", node.nfsPort());
                for (int round = 0; round < 2; round++) {
                    int r = round;
                    inParallel(workers, w -> {
                        try (Client c = new Client(address, calls)) {
                            c.smallFiles("r" + r + "w" + w, filesPerWorker);
                            c.largeFile("r" + r + "big" + w, 32 << 20);
                        }
                    });
                    if (!node.flush(TIMEOUT)) {
                        throw new IOException("the training's uploads did not drain within " + TIMEOUT);
                    }
                }
                long uploaded = other.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().stream().count();
                for (int i = 0; i < 300; i++) {
                    String key = "imported/small-" + i;
                    other.putObject(b -> b.bucket(BUCKET).key(key),
                            RequestBody.fromBytes(key.getBytes(StandardCharsets.UTF_8)));
                }
                byte[] large = new byte[24 << 20];
                new Random(1).nextBytes(large);
                for (int i = 0; i < workers; i++) {
                    int n = i;
                    other.putObject(b -> b.bucket(BUCKET).key("imported/large-" + n), RequestBody.fromBytes(large));
                }
                AtomicLong read = new AtomicLong();
                inParallel(workers, w -> {
                    try (Client c = new Client(address, calls)) {
                        read.addAndGet(c.imported(w, workers));
                    }
                });
                return new Done(calls.get(), uploaded, read.get());
            }
        }
    }

    @FunctionalInterface
    private interface Work {
        void run(int worker) throws Exception;
    }

    private static void inParallel(int workers, Work work) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                all.add(pool.submit(() -> {
                    work.run(worker);
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
    }

    /** An NFSv3 client of the procedures the training needs, on one connection; any status but OK throws. */
    private static final class Client implements AutoCloseable {
        private static final int UNSTABLE = 0;
        private static final int FILE_SYNC = 2;
        private static final int NOENT = 2;
        private final OncRpcClient client;
        private final RpcTransport transport;
        private final AtomicLong calls;
        private final byte[] root;

        Client(InetSocketAddress address, AtomicLong calls) throws Exception {
            this.calls = calls;
            OncRpcSvc svc = new OncRpcSvcBuilder().withClientMode().withTCP().withWorkerThreadIoStrategy()
                    .withSelectorThreadPoolSize(1).withWorkerThreadPoolSize(1).withoutAutoPublish()
                    .withServiceName("regatta-training").build();
            this.client = new OncRpcClient(address, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, svc);
            this.transport = client.connect(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            this.root = call(MOUNT, 1, out -> out.xdrEncodeString(EXPORT), in -> {
                ok(in.xdrDecodeInt(), "MNT");
                return in.xdrDecodeDynamicOpaque();
            });
        }

        void smallFiles(String dirName, int files) throws Exception {
            byte[] dir = made(9, "MKDIR", out -> {
                where(out, root, dirName);
                nothingSet(out);
            });
            byte[] data = new byte[4096];
            List<byte[]> handles = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                String name = "f" + i;
                byte[] fh = made(8, "CREATE", out -> {
                    where(out, dir, name);
                    out.xdrEncodeInt(0); // UNCHECKED
                    nothingSet(out);
                });
                handles.add(fh);
                write(fh, 0, data, UNSTABLE);
                status(21, "COMMIT", out -> {
                    out.xdrEncodeDynamicOpaque(fh);
                    out.xdrEncodeLong(0);
                    out.xdrEncodeInt(0);
                });
                status(1, "GETATTR", out -> out.xdrEncodeDynamicOpaque(fh));
                status(4, "ACCESS", out -> {
                    out.xdrEncodeDynamicOpaque(fh);
                    out.xdrEncodeInt(0x3f);
                });
                byte[] found = call(NFS, 3, out -> where(out, dir, name), in -> {
                    ok(in.xdrDecodeInt(), "LOOKUP");
                    return in.xdrDecodeDynamicOpaque();
                });
                read(found, 0, 4096);
                if (i % 4 == 0) {
                    status(2, "SETATTR", out -> {
                        out.xdrEncodeDynamicOpaque(fh);
                        out.xdrEncodeBoolean(true); // mode
                        out.xdrEncodeInt(0640);
                        for (int k = 0; k < 3; k++) {
                            out.xdrEncodeBoolean(false); // uid, gid, size
                        }
                        out.xdrEncodeInt(1); // atime: SET_TO_SERVER_TIME
                        out.xdrEncodeInt(1); // mtime: SET_TO_SERVER_TIME
                        out.xdrEncodeBoolean(false); // no guard
                    });
                }
            }
            listAll(dir);
            status(18, "FSSTAT", out -> out.xdrEncodeDynamicOpaque(dir));
            status(19, "FSINFO", out -> out.xdrEncodeDynamicOpaque(dir));
            for (int i = 0; i < files / 4; i++) {
                String from = "f" + i;
                String to = "renamed" + i;
                status(14, "RENAME", out -> {
                    where(out, dir, from);
                    where(out, dir, to);
                });
                status(12, "REMOVE", out -> where(out, dir, to));
            }
        }

        void largeFile(String name, int bytes) throws Exception {
            byte[] fh = made(8, "CREATE", out -> {
                where(out, root, name);
                out.xdrEncodeInt(0);
                nothingSet(out);
            });
            byte[] chunk = new byte[1 << 20];
            new Random(name.hashCode()).nextBytes(chunk);
            for (long at = 0; at < bytes; at += chunk.length) {
                write(fh, at, chunk, UNSTABLE);
            }
            status(21, "COMMIT", out -> {
                out.xdrEncodeDynamicOpaque(fh);
                out.xdrEncodeLong(0);
                out.xdrEncodeInt(0);
            });
            Random random = new Random(2);
            byte[] small = new byte[4096];
            for (int i = 0; i < 64; i++) {
                write(fh, (long) random.nextInt(bytes / 4096) * 4096, small, FILE_SYNC);
            }
            for (long at = 0; at < bytes; at += chunk.length) {
                read(fh, at, chunk.length);
            }
        }

        /** Lists what another tool put under imported/ and reads it, the large objects cold; returns bytes read. */
        long imported(int worker, int workers) throws Exception {
            byte[] dir = null;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (dir == null) { // the root's view takes the new prefix in at its revalidation, in the background
                dir = call(NFS, 3, out -> where(out, root, "imported"), in -> {
                    int status = in.xdrDecodeInt();
                    if (status == NOENT && System.nanoTime() < deadline) {
                        return null;
                    }
                    ok(status, "LOOKUP imported");
                    return in.xdrDecodeDynamicOpaque();
                });
                if (dir == null) {
                    Thread.sleep(50);
                }
            }
            byte[] importedDir = dir;
            listAll(importedDir);
            long read = 0;
            for (int i = worker; i < 300; i += workers) {
                String name = "small-" + i;
                byte[] fh = call(NFS, 3, out -> where(out, importedDir, name), in -> {
                    ok(in.xdrDecodeInt(), "LOOKUP " + name);
                    return in.xdrDecodeDynamicOpaque();
                });
                read += read(fh, 0, 4096);
            }
            byte[] large = call(NFS, 3, out -> where(out, importedDir, "large-" + worker), in -> {
                ok(in.xdrDecodeInt(), "LOOKUP large");
                return in.xdrDecodeDynamicOpaque();
            });
            for (long at = 0; at < (24 << 20); at += 1 << 20) {
                read += read(large, at, 1 << 20);
            }
            return read;
        }

        private void listAll(byte[] dir) throws Exception {
            long[] cookie = {0};
            byte[][] verifier = {new byte[8]};
            boolean eof = false;
            while (!eof) {
                eof = call(NFS, 17, out -> {
                    out.xdrEncodeDynamicOpaque(dir);
                    out.xdrEncodeLong(cookie[0]);
                    out.xdrEncodeOpaque(verifier[0], 8);
                    out.xdrEncodeInt(8192);
                    out.xdrEncodeInt(65536);
                }, in -> {
                    ok(in.xdrDecodeInt(), "READDIRPLUS");
                    skipPostOpAttr(in);
                    verifier[0] = in.xdrDecodeOpaque(8);
                    while (in.xdrDecodeBoolean()) {
                        in.xdrDecodeLong(); // fileid
                        in.xdrDecodeString(); // name
                        cookie[0] = in.xdrDecodeLong();
                        skipPostOpAttr(in);
                        if (in.xdrDecodeBoolean()) {
                            in.xdrDecodeDynamicOpaque();
                        }
                    }
                    return in.xdrDecodeBoolean();
                });
            }
        }

        private void write(byte[] fh, long offset, byte[] data, int stable) throws Exception {
            status(7, "WRITE", out -> {
                out.xdrEncodeDynamicOpaque(fh);
                out.xdrEncodeLong(offset);
                out.xdrEncodeInt(data.length);
                out.xdrEncodeInt(stable);
                out.xdrEncodeDynamicOpaque(data);
            });
        }

        private int read(byte[] fh, long offset, int count) throws Exception {
            return call(NFS, 6, out -> {
                out.xdrEncodeDynamicOpaque(fh);
                out.xdrEncodeLong(offset);
                out.xdrEncodeInt(count);
            }, in -> {
                ok(in.xdrDecodeInt(), "READ");
                skipPostOpAttr(in);
                in.xdrDecodeInt(); // count
                in.xdrDecodeBoolean(); // eof
                return in.xdrDecodeDynamicOpaque().length;
            });
        }

        /** CREATE or MKDIR: the new object's handle. */
        private byte[] made(int procedure, String what, Xdr.Encoder args) throws Exception {
            return call(NFS, procedure, args, in -> {
                ok(in.xdrDecodeInt(), what);
                if (!in.xdrDecodeBoolean()) {
                    throw new IOException(what + " answered without a handle");
                }
                return in.xdrDecodeDynamicOpaque();
            });
        }

        private void status(int procedure, String what, Xdr.Encoder args) throws Exception {
            call(NFS, procedure, args, in -> {
                ok(in.xdrDecodeInt(), what);
                return null;
            });
        }

        private <T> T call(int program, int procedure, Xdr.Encoder args, Xdr.Decoder<T> reply) throws Exception {
            Xdr.Decoded<T> result = new Xdr.Decoded<>(reply);
            try {
                new RpcCall(program, VERSION, AUTH, transport).call(procedure, new Reply(args), result,
                        TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IOException("procedure " + procedure + " of program " + program + " timed out", e);
            } catch (OncRpcException e) {
                throw new IOException("procedure " + procedure + " of program " + program + " failed: " + e, e);
            }
            calls.incrementAndGet();
            return result.value();
        }

        private static void where(XdrEncodingStream out, byte[] dir, String name) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeString(name);
        }

        /** sattr3 that sets nothing. */
        private static void nothingSet(XdrEncodingStream out) {
            for (int i = 0; i < 6; i++) {
                out.xdrEncodeInt(0);
            }
        }

        private static void skipPostOpAttr(XdrDecodingStream in) throws IOException {
            if (in.xdrDecodeBoolean()) {
                for (int i = 0; i < 21; i++) { // fattr3: 21 32-bit words
                    in.xdrDecodeInt();
                }
            }
        }

        private static void ok(int status, String what) throws IOException {
            if (status != 0) {
                throw new IOException(what + " failed with NFS status " + status);
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }
}
