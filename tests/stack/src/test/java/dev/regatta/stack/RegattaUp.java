package dev.regatta.stack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code regatta up} as a user runs it: the launcher's command line on the jars the build packaged, as a child
 * process. Its {@code regatta:} lines (standard output) are collected in order; its log (standard error) goes to a
 * file that failures quote.
 */
final class RegattaUp implements AutoCloseable {

    /** The lines {@code regatta up} prints for what it started (see UpCommand), as the tests read them. */
    static final Pattern S3_LINE = Pattern.compile(
            "regatta: s3 (http://\\S+) bucket (\\S+) access-key (\\S+) secret-key (\\S+)");
    static final Pattern API_LINE = Pattern.compile(
            "regatta: api (http://127\\.0\\.0\\.1:\\d+) admin-token (rgt_[A-Za-z0-9_-]{20,})");
    static final Pattern CONSOLE_LINE = Pattern.compile("regatta: console (http://127\\.0\\.0\\.1:\\d+/)");
    static final Pattern METRICS_LINE = Pattern.compile("regatta: metrics (http://127\\.0\\.0\\.1:\\d+/metrics)");

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private RegattaUp(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread.ofPlatform().daemon().name("regatta-up-stdout").start(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    /** Starts {@code regatta up ARGS} with {@code env} added to this JVM's environment. */
    static RegattaUp start(Path log, Map<String, String> env, String... args) throws IOException {
        return launch(log, List.of(), env, null, args);
    }

    /** Starts {@code regatta up ARGS} in a JVM with {@code jvmOptions} (e.g. a small heap). */
    static RegattaUp start(Path log, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException {
        return launch(log, jvmOptions, env, null, args);
    }

    /**
     * Starts {@code regatta up ARGS} under the file-creation mask {@code umask} (octal, as the shell's umask takes
     * it); {@code launcher}: through the repository's {@code ./regatta} script, else with the command line it runs.
     * Either way the process is the data plane's JVM (the script execs it).
     */
    static RegattaUp start(Path log, Map<String, String> env, String umask, boolean launcher, String... args)
            throws IOException {
        if (!launcher) {
            return launch(log, List.of(), env, umask, args);
        }
        Path repo = Path.of(System.getProperty("regatta.repo", "../..")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of("bash", "-c", "umask \"$0\" && exec \"$@\"", umask,
                repo.resolve("regatta").toString(), "up"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return new RegattaUp(builder.start(), log);
    }

    private static RegattaUp launch(Path log, List<String> jvmOptions, Map<String, String> env, String umask,
                                    String... args)
            throws IOException {
        Path repo = Path.of(System.getProperty("regatta.repo", "../..")).toAbsolutePath().normalize();
        String version = System.getProperty("regatta.version", "0.1.0-SNAPSHOT");
        Path dataPlaneJar = repo.resolve("data-plane/target/regatta-data-plane-" + version + ".jar");
        Path controlPlaneJar = repo.resolve("control-plane/target/regatta-control-plane-" + version + ".jar");
        for (Path jar : List.of(dataPlaneJar, controlPlaneJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: run these tests through ./mvnw verify from the "
                        + "repository root, which packages the modules first");
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        if (umask != null) {
            command.addAll(List.of("bash", "-c", "umask \"$0\" && exec \"$@\"", umask));
        }
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", dataPlaneJar + ":" + repo.resolve("data-plane/target/lib") + "/*",
                "dev.regatta.dataplane.cli.RegattaCli", "up"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("REGATTA_CONTROL_PLANE_JAR", controlPlaneJar.toString());
        builder.environment().putAll(env);
        return new RegattaUp(builder.start(), log);
    }

    /** Reads lines until one starts with {@code prefix}; returns it. Every line read is kept for {@link #seen()}. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)),
                    TimeUnit.NANOSECONDS);
            if (line != null) {
                seen.add(line);
                if (line.startsWith(prefix)) {
                    return line;
                }
            } else if (left <= 0 || (!process.isAlive() && lines.isEmpty())) {
                throw new AssertionError("regatta up " + (process.isAlive() ? "printed no line starting '" + prefix
                        + "' within " + timeout : "exited with status " + process.exitValue()) + "; it printed "
                        + seen + "\nlast log lines:\n" + logTail());
            }
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The {@code regatta:} lines read so far, in order. */
    List<String> seen() {
        return List.copyOf(seen);
    }

    /** The first line read so far that matches {@code pattern} whole. */
    Matcher seenLine(Pattern pattern) {
        for (String line : seen) {
            Matcher m = pattern.matcher(line);
            if (m.matches()) {
                return m;
            }
        }
        throw new AssertionError("regatta up printed no line matching " + pattern + "; it printed " + seen);
    }

    String logTail() {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** The data plane's JVM. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** {@code kill -9}: the process ends without running anything of its own. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Ctrl-C's equivalent (SIGTERM); returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("regatta up did not stop within " + STOP_TIMEOUT + " of SIGTERM\n" + logTail());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
