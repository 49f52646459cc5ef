package dev.regatta.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * nfs-ganesha (Debian's ganesha.nfsd with FSAL VFS) serving a directory on the same disk over NFSv3, driven by the
 * same clients as Regatta: what the NFS protocol and these clients allow on this machine, a reference rather than a
 * peer. Its VFS FSAL does not sync namespace changes (CREATE, REMOVE, RENAME return before the directory is on
 * disk; only COMMIT fsyncs the file), where Regatta's stable replies are durable, and there is no S3 behind it.
 * Ganesha will not serve NFSv3 without a portmapper to register MOUNT and NFS with, so an rpcbind of its own runs on
 * 111 beside it. Both are children of this process, in the foreground, with their configuration, pid files and
 * state in the work dir; {@link #stop} ends them and checks that nothing stays bound to 111 or to their ports (the
 * run script ends them from their pid files should this process die first).
 */
final class GaneshaTarget extends NfsTarget {
    static final int PORTMAP = 111;

    private final Path work;
    private final Path export;
    private Proc.Daemon rpcbind;
    private Proc.Daemon ganesha;
    private int nfsPort;
    private int mountPort;
    private Thread exitHook;
    private final StringBuilder notes = new StringBuilder();

    GaneshaTarget(Path work, Path logs) {
        super(logs);
        this.work = work.resolve("ganesha");
        this.export = this.work.resolve("export");
    }

    @Override
    public String name() {
        return "ganesha";
    }

    @Override
    public boolean usesS3() {
        return false;
    }

    @Override
    public Path bucketDir() {
        return null;
    }

    @Override
    public Path localDir() {
        return export;
    }

    @Override
    public String notes() {
        return notes.toString();
    }

    @Override
    public void start() throws Exception {
        for (String cmd : List.of("ganesha.nfsd", "rpcbind")) {
            if (!Bench.onPath(cmd)) {
                throw new IOException(cmd + " is not installed (Debian: nfs-ganesha nfs-ganesha-vfs rpcbind; "
                        + "tests/bench/run installs them)");
            }
        }
        Path fsal = vfsFsal();
        if (fsal == null) {
            throw new IOException("ganesha's FSAL VFS (libfsalvfs.so) is not installed (Debian: nfs-ganesha-vfs)");
        }
        Bench.deleteTree(work);
        Files.createDirectories(export);
        Files.createDirectories(work.resolve("recovery"));
        // 111 must be free for our rpcbind: a data-plane test elsewhere may hold it for a while
        if (!Ports.awaitFree(PORTMAP, 60)) {
            throw new IOException("port 111 is taken (" + Ports.owner(PORTMAP) + "): ganesha needs an rpcbind of its "
                    + "own there; not starting one over another portmapper");
        }
        exitHook = new Thread(this::stopServers, "ganesha-exit");
        Runtime.getRuntime().addShutdownHook(exitHook);

        Files.createDirectories(Path.of("/run/rpcbind"));
        rpcbind = new Proc.Daemon(logs.resolve("ganesha-rpcbind.log"), List.of("rpcbind", "-f"), null);
        Files.writeString(work.resolve("rpcbind.pid"), rpcbind.process.pid() + "\n");
        // ours, not another portmapper that took 111 since the check above
        String ours = "pid " + rpcbind.process.pid() + " (";
        await(() -> Ports.listening(PORTMAP) && Ports.owner(PORTMAP).contains(ours), rpcbind, 10,
                "rpcbind did not listen on 111", rpcbind.log);

        nfsPort = Bench.freePort();
        do {
            mountPort = Bench.freePort();
        } while (mountPort == nfsPort);
        Path conf = work.resolve("ganesha.conf");
        Files.writeString(conf, config(fsal.getParent()));
        ganesha = new Proc.Daemon(logs.resolve("ganesha-stdout.log"), List.of("ganesha.nfsd", "-F",
                "-f", conf.toString(), "-L", logs.resolve("ganesha.log").toString(), "-N", "NIV_EVENT",
                "-p", work.resolve("ganesha.pid").toString()), null);
        await(() -> Ports.listening(nfsPort) && Ports.listening(mountPort), ganesha, 60,
                "ganesha did not listen on its NFS and MOUNT ports", logs.resolve("ganesha.log"));
        // MOUNT answers once the exports are up; retry the mount briefly
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                connect(export.toString(), nfsPort, mountPort);
                break;
            } catch (IOException e) {
                if (!ganesha.process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("could not mount " + export + " from ganesha: " + e.getMessage() + "; see "
                            + logs.resolve("ganesha.log"), e);
                }
                Thread.sleep(500);
            }
        }
        notes.append(String.format("ganesha: %s, FSAL VFS over %s, NFS port %d, MOUNT port %d, rpcbind on 111%n",
                version(), export, nfsPort, mountPort));
    }

    /**
     * NFSv3 over TCP only (no NLM, RQUOTA, UDP), no grace period (a fresh server has nothing to reclaim), root not
     * squashed (the clients send uid 0), recovery state in the work dir rather than /var/lib/nfs.
     */
    private String config(Path pluginsDir) {
        return String.join("\n",
                "NFS_CORE_PARAM {",
                "    NFS_Port = " + nfsPort + ";",
                "    MNT_Port = " + mountPort + ";",
                "    Protocols = 3;",
                "    Enable_NLM = false;",
                "    Enable_RQUOTA = false;",
                "    Enable_UDP = false;",
                "    Plugins_Dir = \"" + pluginsDir + "\";",
                "}",
                "NFSv4 {",
                "    Graceless = true;",
                "    RecoveryRoot = \"" + work.resolve("recovery") + "\";",
                "}",
                "NFS_KRB5 {",
                "    Active_krb5 = false;",
                "}",
                "EXPORT {",
                "    Export_Id = 1;",
                "    Path = \"" + export + "\";",
                "    Pseudo = \"/bench\";",
                "    Protocols = 3;",
                "    Transports = TCP;",
                "    Access_Type = RW;",
                "    Squash = No_Root_Squash;",
                "    SecType = sys;",
                "    FSAL {",
                "        Name = VFS;",
                "    }",
                "}",
                "");
    }

    private static Path vfsFsal() throws IOException {
        try (DirectoryStream<Path> libs = Files.newDirectoryStream(Path.of("/usr/lib"))) {
            for (Path lib : libs) {
                Path so = lib.resolve("ganesha").resolve("libfsalvfs.so");
                if (Files.exists(so)) {
                    return so;
                }
            }
        }
        Path flat = Path.of("/usr/lib/ganesha/libfsalvfs.so");
        return Files.exists(flat) ? flat : null;
    }

    private String version() {
        try {
            String v = Proc.run(null, 30, "ganesha.nfsd", "-v").strip();
            return v.lines().filter(l -> !l.isBlank()).findFirst().orElse("ganesha.nfsd");
        } catch (IOException | InterruptedException e) {
            return "ganesha.nfsd (version unknown: " + e.getMessage() + ")";
        }
    }

    /** Waits for {@code ready} while the daemon lives; on failure the message ends with the tail of its log. */
    private static void await(BooleanSupplier ready, Proc.Daemon d, long seconds, String what, Path log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!ready.getAsBoolean()) {
            if (!d.process.isAlive()) {
                throw new IOException(what + ": it exited (status " + d.process.exitValue() + "); " + tail(log, d.log));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(what + " within " + seconds + " s; " + tail(log, d.log));
            }
            Thread.sleep(100);
        }
    }

    /** The last lines of a log (and of the process's own output when that is another file), for a failure. */
    private static String tail(Path log, Path output) {
        StringBuilder sb = new StringBuilder();
        for (Path p : log.equals(output) ? List.of(log) : List.of(log, output)) {
            try {
                List<String> lines = Files.readAllLines(p);
                sb.append("end of ").append(p).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()))).append('\n');
            } catch (IOException e) {
                sb.append(p).append(": none\n");
            }
        }
        return sb.toString().strip();
    }

    /** Ends ganesha, then rpcbind (ganesha unregisters from it on the way out). */
    private synchronized void stopServers() {
        if (ganesha != null) {
            ganesha.stop(30);
            ganesha = null;
        }
        if (rpcbind != null) {
            rpcbind.stop(10);
            rpcbind = null;
        }
    }

    @Override
    public void stop() {
        disconnect();
        stopServers();
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
            exitHook = null;
        }
        try {
            Files.deleteIfExists(work.resolve("rpcbind.pid"));
            Files.deleteIfExists(work.resolve("ganesha.pid"));
        } catch (IOException e) {
            notes.append("could not remove the pid files: ").append(e.getMessage()).append('\n');
        }
        List<String> left = new ArrayList<>();
        for (int port : new int[] {PORTMAP, 2049, nfsPort, mountPort}) {
            if (port > 0 && Ports.bound(port)) {
                left.add(port + " (" + Ports.owner(port) + ")");
            }
        }
        if (!left.isEmpty()) {
            String line = "after ganesha and its rpcbind stopped, still bound: " + String.join(", ", left);
            notes.append(line).append('\n');
            System.out.println("  note: " + line);
        } else if (nfsPort > 0) {
            notes.append(String.format("ganesha and its rpcbind stopped: nothing bound to 111, 2049, %d or %d%n",
                    nfsPort, mountPort));
        }
    }

    @Override
    public void goCold() {
        // FSAL VFS keeps no file data of its own: the kernel's page cache is the cache to drop
        Bench.dropCaches();
    }

    @Override
    public void waitBucket() {
        // no bucket: the replies are the end of it
    }
}
