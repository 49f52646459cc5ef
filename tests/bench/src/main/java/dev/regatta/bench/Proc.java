package dev.regatta.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Child processes: started with their output in a log file, and waited for. */
final class Proc {
    private Proc() {
    }

    /** Runs a command to completion; throws with the tail of its output when it fails. */
    static String run(Path log, long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("AWS_CA_BUNDLE");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (log != null) {
            Files.writeString(log, "$ " + String.join(" ", cmd) + "\n" + s + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n" + tail(s));
        }
        return s;
    }

    static boolean tryRun(String... cmd) {
        try {
            run(null, 60, cmd);
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static String tail(String s) {
        return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
    }

    /** A long-running child: its output goes to log; lines are also offered to waitFor. */
    static final class Daemon {
        final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Path log;

        Daemon(Path log, List<String> cmd, Consumer<ProcessBuilder> env) throws IOException {
            this.log = log;
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
            pb.environment().remove("AWS_CA_BUNDLE");
            if (env != null) {
                env.accept(pb);
            }
            process = pb.start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                     var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        w.write(line);
                        w.newLine();
                        w.flush();
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, "log-" + log.getFileName());
            t.setDaemon(true);
            t.start();
        }

        /** Collects output lines until one starts with {@code until}; fails if the process exits first. */
        List<String> waitFor(String until, long timeoutSeconds) throws IOException, InterruptedException {
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(200, TimeUnit.MILLISECONDS);
                if (l != null) {
                    seen.add(l);
                    if (l.startsWith(until)) {
                        return seen;
                    }
                } else if (!process.isAlive()) {
                    throw new IOException("process exited (" + process.exitValue() + ") before '" + until + "'; see " + log);
                }
            }
            throw new IOException("no '" + until + "' within " + timeoutSeconds + " s; see " + log);
        }

        void stop(long graceSeconds) {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
