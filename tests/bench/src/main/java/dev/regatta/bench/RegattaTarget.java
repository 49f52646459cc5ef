package dev.regatta.bench;

import com.emc.ecs.nfsclient.nfs.NfsCreateMode;
import com.emc.ecs.nfsclient.nfs.NfsDirectoryPlusEntry;
import com.emc.ecs.nfsclient.nfs.NfsReadResponse;
import com.emc.ecs.nfsclient.nfs.NfsReaddirplusResponse;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsWriteRequest;
import com.emc.ecs.nfsclient.nfs.NfsWriteResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Regatta: {@code ./regatta data-plane} against the local S3 endpoint through the counting proxy, driven by real NFSv3
 * clients: libnfs's nfs-cp for streaming, the nfs-client library (one connection, many requests in flight) for the
 * rest. Operations are those a kernel client sends: CREATE + WRITE(UNSTABLE) + COMMIT on close, LOOKUP + READ,
 * READDIRPLUS, REMOVE, RENAME, MKDIR.
 */
final class NfsTarget implements Target {
    static final String EXPORT = "/fs-demo";
    static final int IO = 32 * 1024; // the client library's request buffers are small: keep READ/WRITE at 32 KiB

    private final Path repo;
    private final Path work;
    private final Path logs;
    private final CountingProxy proxy;
    private LocalS3 s3;
    private Proc.Daemon plane;
    private int generation;
    private int nfsPort;
    private URI metrics;
    private Nfs3 nfs;
    private final Map<String, byte[]> dirHandles = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder notes = new StringBuilder();

    NfsTarget(Path repo, Path work, Path logs, CountingProxy proxy) {
        this.repo = repo;
        this.work = work.resolve("regatta");
        this.logs = logs;
        this.proxy = proxy;
    }

    @Override
    public String name() {
        return "regatta";
    }

    @Override
    public boolean usesS3() {
        return true;
    }

    @Override
    public Path bucketDir() {
        return work.resolve("s3").resolve("s3").resolve(LocalS3.BUCKET);
    }

    @Override
    public String notes() {
        return notes.toString();
    }

    @Override
    public void start() throws Exception {
        Bench.deleteTree(work);
        s3 = new LocalS3(repo, work.resolve("s3"), logs, name(), proxy);
        startPlane();
    }

    private static final Pattern NFS_LINE = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) export");
    private static final Pattern METRICS_LINE = Pattern.compile("regatta: metrics (\\S+)");

    /** A data plane on a fresh data dir (fresh cache), mounted. */
    private void startPlane() throws Exception {
        generation++;
        Path dataDir = work.resolve("data-plane-" + generation);
        long t0 = System.nanoTime();
        plane = new Proc.Daemon(logs.resolve("regatta-data-plane-" + generation + ".log"), List.of(
                repo.resolve("regatta").toString(), "data-plane", "--data-dir", dataDir.toString(),
                "--nfs-port", "0", "--metrics-port", "0", "--portmap",
                "--s3-endpoint", s3.proxyUrl(), "--s3-access-key", s3.accessKey, "--s3-secret-key", s3.secretKey,
                "--bucket", LocalS3.BUCKET, "--quiet-period", "1s"), null);
        List<String> out = plane.waitFor("regatta: ready", 180);
        for (String l : out) {
            Matcher m = NFS_LINE.matcher(l);
            if (m.find()) {
                nfsPort = Integer.parseInt(m.group(1));
            }
            Matcher mm = METRICS_LINE.matcher(l);
            if (mm.find()) {
                metrics = URI.create(mm.group(1));
            }
        }
        if (nfsPort == 0 || metrics == null) {
            throw new IOException("data plane did not print its NFS port and metrics URL; see " + plane.log);
        }
        notes.append(String.format("data plane #%d: %.1f s from launch to ready%n", generation, (System.nanoTime() - t0) / 1e9));
        dirHandles.clear();
        // the library finds MOUNT and NFS through portmap on 111 (the data plane answers it with --portmap)
        nfs = new Nfs3("127.0.0.1", EXPORT, new CredentialUnix(0, 0, null), 3);
        dirHandles.put("", nfs.getRootFileHandle());
    }

    private void stopPlane() {
        nfs = null;
        if (plane != null) {
            plane.stop(60);
            plane = null;
        }
    }

    @Override
    public void stop() {
        stopPlane();
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
    }

    @Override
    public void goCold() throws Exception {
        waitBucket();
        stopPlane();
        startPlane(); // fresh data dir: nothing cached
        Bench.dropCaches();
    }

    Map<String, Double> metrics() throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException ignored) {
                // not a sample
            }
        }
        return m;
    }

    @Override
    public void waitBucket() throws Exception {
        long deadline = System.nanoTime() + 900_000_000_000L;
        int zeros = 0;
        while (System.nanoTime() < deadline) {
            Map<String, Double> m = metrics();
            double dirty = m.getOrDefault("sync_dirty_files", -1.0);
            double deletes = m.getOrDefault("sync_pending_deletes", -1.0);
            if (dirty < 0 || deletes < 0) {
                throw new IOException("metrics lack sync_dirty_files / sync_pending_deletes");
            }
            zeros = dirty == 0 && deletes == 0 ? zeros + 1 : 0;
            if (zeros >= 2) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("write-back not drained within 15 min");
    }

    // ------------------------------------------------------------------ NFS

    private String url(String rel) {
        return "nfs://127.0.0.1" + EXPORT + "/" + rel + "?nfsport=" + nfsPort + "&mountport=" + nfsPort + "&version=3";
    }

    private static String parent(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }

    private static String base(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    private byte[] dir(String rel) throws IOException {
        byte[] fh = dirHandles.get(rel);
        if (fh == null) {
            fh = lookup(rel);
            dirHandles.put(rel, fh);
        }
        return fh;
    }

    private byte[] lookup(String rel) throws IOException {
        return nfs.wrapped_getLookup(nfs.makeLookupRequest(dir(parent(rel)), base(rel))).getFileHandle();
    }

    @Override
    public void writeStream(Path src, String rel) throws Exception {
        // nfs-cp writes 1 MiB WRITEs and COMMITs at the end
        Proc.run(logs.resolve("regatta-nfs-cp.log"), 900, "nfs-cp", src.toString(), url(rel));
    }

    @Override
    public long readStream(String rel) throws Exception {
        // nfs-cat (libnfs) to a pipe that this process drains: nfs-cp cannot write to /dev/null
        Process p = new ProcessBuilder("nfs-cat", url(rel)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long total = 0;
        byte[] buf = new byte[1 << 20];
        try (var in = p.getInputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException("nfs-cat exited " + p.exitValue() + " for " + rel);
        }
        return total;
    }

    @Override
    public void mkdir(String rel) throws Exception {
        byte[] fh = nfs.wrapped_sendMkdir(nfs.makeMkdirRequest(dir(parent(rel)), base(rel),
                new NfsSetAttributes(0755L, null, null, null, null, null))).getFileHandle();
        if (fh != null) {
            dirHandles.put(rel, fh);
        }
    }

    private void writeAt(byte[] fh, long offset, byte[] data, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = Math.min(IO, len - done);
            List<ByteBuffer> payload = new ArrayList<>(List.of(ByteBuffer.wrap(data, off + done, n)));
            NfsWriteResponse r = nfs.wrapped_sendWrite(nfs.makeWriteRequest(fh, offset + done, payload, NfsWriteRequest.UNSTABLE));
            if (r.getCount() <= 0) {
                throw new IOException("WRITE wrote nothing");
            }
            done += r.getCount();
        }
    }

    private void commit(byte[] fh) throws IOException {
        nfs.wrapped_sendCommit(nfs.makeCommitRequest(fh, 0, 0));
    }

    @Override
    public void writeSmall(String rel, byte[] data) throws Exception {
        byte[] fh = nfs.wrapped_sendCreate(nfs.makeCreateRequest(NfsCreateMode.UNCHECKED, dir(parent(rel)), base(rel),
                new NfsSetAttributes(0644L, null, null, null, null, null), null)).getFileHandle();
        if (fh == null) {
            fh = lookup(rel);
        }
        writeAt(fh, 0, data, 0, data.length);
        commit(fh);
    }

    @Override
    public int listStat(String rel) throws Exception {
        byte[] fh = dir(rel);
        long cookie = 0;
        long verf = 0;
        int n = 0;
        while (true) {
            NfsReaddirplusResponse r = nfs.wrapped_getReaddirplus(nfs.makeReaddirplusRequest(fh, cookie, verf, 8192, 32768));
            for (NfsDirectoryPlusEntry e : r.getEntries()) {
                if (!e.getFileName().equals(".") && !e.getFileName().equals("..")) {
                    n++;
                }
            }
            if (r.isEof()) {
                return n;
            }
            if (r.getEntries().isEmpty()) {
                throw new IOException("READDIRPLUS page without entries before eof");
            }
            cookie = r.getCookie();
            verf = r.getCookieverf();
        }
    }

    @Override
    public int readSmall(String rel) throws Exception {
        byte[] fh = lookup(rel);
        byte[] buf = new byte[IO];
        long offset = 0;
        while (true) {
            NfsReadResponse r = nfs.wrapped_getRead(nfs.makeReadRequest(fh, offset, IO), buf, 0);
            offset += r.getBytesRead();
            if (r.isEof() || r.getBytesRead() == 0) {
                return (int) offset;
            }
        }
    }

    @Override
    public void delete(String rel) throws Exception {
        nfs.wrapped_sendRemove(nfs.makeRemoveRequest(dir(parent(rel)), base(rel)));
    }

    @Override
    public void randomWrites(String rel, long[] offsets, byte[] block, int threads) throws Exception {
        byte[] fh = lookup(rel);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (long off : offsets) {
                fs.add(pool.submit(() -> {
                    writeAt(fh, off, block, 0, block.length);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        commit(fh);
    }

    @Override
    public void rename(String from, String to) throws Exception {
        nfs.wrapped_sendRename(nfs.makeRenameRequest(dir(parent(from)), base(from), dir(parent(to)), base(to)));
        dirHandles.keySet().removeIf(k -> k.equals(from) || k.startsWith(from + "/"));
    }

    /**
     * NFS procedure counts and server-side seconds from the data plane's own metrics ("proc" and "proc.s" keys; the
     * seconds in microseconds so that they fit the Long map), for the details file.
     */
    Map<String, Long> nfsOps() throws IOException, InterruptedException {
        Map<String, Long> ops = new java.util.TreeMap<>();
        Pattern p = Pattern.compile("nfs_requests_seconds_(count|sum)\\{procedure=\"([^\"]+)\",status=\"([^\"]+)\"}");
        for (Map.Entry<String, Double> e : metrics().entrySet()) {
            Matcher m = p.matcher(e.getKey());
            if (m.matches()) {
                String proc = m.group(2) + (m.group(3).equals("ok") ? "" : "/" + m.group(3));
                if (m.group(1).equals("count")) {
                    ops.merge(proc, e.getValue().longValue(), Long::sum);
                } else {
                    ops.merge(proc + ".s", Math.round(e.getValue() * 1e6), Long::sum);
                }
            }
        }
        return ops;
    }
}
