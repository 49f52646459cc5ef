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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An NFSv3 server (Regatta's data plane, nfs-ganesha) driven by real NFS clients: libnfs's nfs-cp / nfs-cat for
 * streaming, the nfs-client library (one connection, many requests in flight) for the rest. Operations are those a
 * kernel client sends: CREATE + WRITE(UNSTABLE) + COMMIT on close, LOOKUP + READ, READDIRPLUS, REMOVE, RENAME, MKDIR.
 * The subclass starts its server, then {@link #connect}s these clients to it.
 */
abstract class NfsTarget implements Target {
    static final int IO = 32 * 1024; // the client library's request buffers are small: keep READ/WRITE at 32 KiB
    static final int RPC_TRIES = 12;

    protected final Path logs;
    private String export;
    private int nfsPort;
    private int mountPort;
    private Nfs3 nfs;
    private final Map<String, byte[]> dirHandles = new ConcurrentHashMap<>();

    NfsTarget(Path logs) {
        this.logs = logs;
    }

    /**
     * Mounts {@code export} of the server on 127.0.0.1 that now answers NFS and MOUNT on these ports. The library
     * finds them through the portmapper on 111 (the server registered there); libnfs is given them in its URLs.
     */
    protected void connect(String export, int nfsPort, int mountPort) throws IOException {
        this.export = export;
        this.nfsPort = nfsPort;
        this.mountPort = mountPort;
        dirHandles.clear();
        // The library gives up on a call after its 10 s timeout times this many tries; a kernel's hard mount waits as
        // long as the server takes. A first READDIRPLUS of a 20,000-entry directory lists it (20 pages, ~1.5 s each
        // from this endpoint on a loaded machine) and timed out at 3 tries: a slow answer is a figure, not a failure.
        nfs = new Nfs3("127.0.0.1", export, new CredentialUnix(0, 0, null), RPC_TRIES);
        dirHandles.put("", nfs.getRootFileHandle());
    }

    protected void disconnect() {
        nfs = null;
    }

    private String url(String rel) {
        return "nfs://127.0.0.1" + export + "/" + rel + "?nfsport=" + nfsPort + "&mountport=" + mountPort + "&version=3";
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
        Proc.run(logs.resolve(name() + "-nfs-cp.log"), 900, "nfs-cp", src.toString(), url(rel));
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
                if (e.getFileName().equals(".") || e.getFileName().equals("..")) {
                    continue;
                }
                n++;
                if (e.getAttributes() == null) {
                    // Left without attributes (Regatta, while the object's HEAD is pending): ask for them, one at a
                    // time, as ls -l's lstat makes the kernel do; counting the entry alone would not be an ls -l.
                    byte[] handle = e.getFileHandle();
                    if (handle != null) {
                        nfs.wrapped_getAttr(nfs.makeGetAttrRequest(handle));
                    } else {
                        nfs.wrapped_getLookup(nfs.makeLookupRequest(fh, e.getFileName()));
                    }
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
}
