package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.server.FreePort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The control plane as a child process of {@code regatta up}: the same Spring Boot jar production runs, on the
 * embedded PostgreSQL under the data directory (or, for the second and later of {@code --control-planes}, on the
 * first one's), listening on loopback. Secrets reach it through its environment,
 * not its command line, so that {@code ps} does not show them. It ends with {@code up}, however {@code up} ends: its
 * standard input is a pipe from {@code up} that only closes when {@code up}'s process is gone, and it exits then
 * (REGATTA_EXIT_WITH_STDIN). Its answers carry a random value {@code up} gave it (REGATTA_INSTANCE_NONCE), so that
 * {@code up} never takes another process on the API port for its own.
 */
final class ControlPlaneProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlaneProcess.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** How the control plane learns its data directory; DataDirectoryClaim finds leftovers by it. */
    static final String DATA_DIR_VARIABLE = "REGATTA_DATA_DIR";
    /** The control plane's InstanceHeader: the answer header that carries the value given in NONCE_VARIABLE. */
    static final String INSTANCE_HEADER = "X-Regatta-Instance";
    static final String NONCE_VARIABLE = "REGATTA_INSTANCE_NONCE";
    /** The control plane's ParentWatch: exit when standard input closes. */
    static final String EXIT_WITH_STDIN_VARIABLE = "REGATTA_EXIT_WITH_STDIN";

    /** The control plane's data directory under up's: its database, CA key and generated secrets. */
    static final String DATA_SUBDIRECTORY = "control-plane";
    /** Where the control plane generates the console's admin password (its security/AdminAccount). */
    static final String ADMIN_PASSWORD_FILE = "admin-password";
    /** The console's account unless REGATTA_ADMIN_USERNAME names another (regatta.admin.username). */
    static final String DEFAULT_ADMIN_USERNAME = "admin";

    private final Process process;
    private final URI api;
    private final Path logFile;
    private final Path dataDir;
    private final Map<String, String> environment;
    private final String nonce;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ControlPlaneProcess(Process process, URI api, Path logFile, Path dataDir,
                                Map<String, String> environment) {
        this.process = process;
        this.api = api;
        this.logFile = logFile;
        this.dataDir = dataDir;
        this.environment = Map.copyOf(environment);
        this.nonce = environment.get(NONCE_VARIABLE);
    }

    /** The control plane's directory under {@code up}'s data directory. */
    static Path dataDirOf(Path upDataDir) {
        return upDataDir.resolve(DATA_SUBDIRECTORY).toAbsolutePath();
    }

    /**
     * Starts the control plane and waits until its API answers.
     *
     * @param logName its log's file name in {@code dataDir}: each instance of several has its own
     * @param port    0 picks a free one
     * @param env     settings ({@code REGATTA_*}, {@code SPRING_*}) for the control plane, e.g. its admin token
     */
    static ControlPlaneProcess start(Path jar, Path dataDir, String logName, int port, Map<String, String> env,
                                     Duration timeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the control plane's jar " + jar + " is missing; build it with "
                    + "./mvnw -pl control-plane -am -Dmaven.test.skip=true package (./regatta does this itself)");
        }
        int apiPort = port == 0 ? FreePort.check("127.0.0.1", 0) : port;
        Path logFile = dataDir.resolve(logName);
        String java = ProcessHandle.current().info().command().orElse("java");
        // Any OutOfMemoryError ends the process at once, rather than leaving it half working.
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()))
                .redirectInput(ProcessBuilder.Redirect.PIPE) // never written, never closed: see ParentWatch
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Map<String, String> environment = builder.environment();
        environment.putAll(env);
        Path ownDataDir = dataDirOf(dataDir);
        environment.put(DATA_DIR_VARIABLE, ownDataDir.toString());
        environment.put("SERVER_ADDRESS", "127.0.0.1");
        environment.put("SERVER_PORT", Integer.toString(apiPort));
        environment.put(EXIT_WITH_STDIN_VARIABLE, "true");
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        environment.put(NONCE_VARIABLE, HexFormat.of().formatHex(nonce));
        Process process = builder.start();
        ControlPlaneProcess started = new ControlPlaneProcess(process, URI.create("http://127.0.0.1:" + apiPort),
                logFile, ownDataDir, environment);
        try {
            started.awaitReady(timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            started.close();
            throw e;
        }
        log.info("control plane (pid {}) serving {}; its log is {}", process.pid(), started.api, logFile);
        return started;
    }

    URI api() {
        return api;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Fails unless the child is alive and is what answers on the API port: {@code up} says {@code ready} only
     * about processes that are its own.
     */
    void verifyOwn() throws IOException, InterruptedException {
        if (!process.isAlive()) {
            throw new IllegalStateException("the control plane (pid " + process.pid() + ") exited with status "
                    + process.exitValue() + "; its log is " + logFile + ":\n" + tail(logFile, 30));
        }
        HttpResponse<Void> answer = http.send(probe(), HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() != 200 || !isOwn(answer)) {
            throw new IllegalStateException("the API at " + api + " is not answered by the control plane this up "
                    + "started (pid " + process.pid() + "); another process listens on its port");
        }
    }

    private boolean isOwn(HttpResponse<?> answer) {
        return answer.headers().firstValue(INSTANCE_HEADER).filter(nonce::equals).isPresent();
    }

    private HttpRequest probe() {
        return HttpRequest.newBuilder(api.resolve("/api/v1/service")).timeout(Duration.ofSeconds(5)).GET().build();
    }

    /** The console's account name, as the control plane's environment sets it (regatta.admin.username). */
    String adminUsername() {
        String name = environment.get("REGATTA_ADMIN_USERNAME");
        return name == null || name.isBlank() ? DEFAULT_ADMIN_USERNAME : name.strip();
    }

    /**
     * Whether the admin password was chosen through the environment (REGATTA_ADMIN_PASSWORD): then the control plane
     * generates no file.
     */
    boolean adminPasswordGiven() {
        String password = environment.get("REGATTA_ADMIN_PASSWORD");
        return password != null && !password.isEmpty();
    }

    /** Where the control plane keeps the console's generated admin password. */
    Path adminPasswordFile() {
        return dataDir.resolve(ADMIN_PASSWORD_FILE);
    }

    /**
     * The console's admin password as the control plane generated it (it writes the file while starting, before
     * its API answers, so this rarely waits).
     */
    String awaitAdminPassword(Duration timeout) throws InterruptedException {
        try {
            return awaitSecret(adminPasswordFile(), timeout);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; the control plane's log is " + logFile + ":\n"
                    + tail(logFile, 30), e);
        }
    }

    /** The stripped, non-empty content of {@code file} once it has some, waiting up to {@code timeout}. */
    static String awaitSecret(Path file, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (Files.isRegularFile(file)) {
                    String secret = Files.readString(file).strip();
                    if (!secret.isEmpty()) {
                        return secret;
                    }
                }
            } catch (IOException notYet) {
                // being written: try again
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no secret in " + file + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpRequest probe = probe();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean another = false;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the control plane exited with status " + process.exitValue()
                        + " during start-up" + (another ? " (another process answers on " + api + ")" : "")
                        + "; its log is " + logFile + ":\n" + tail(logFile, 30));
            }
            try {
                HttpResponse<Void> answer = http.send(probe, HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200 && isOwn(answer)) {
                    return;
                }
                another |= !isOwn(answer);
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the control plane did not answer on " + api + " within " + timeout
                + (another ? " (another process answers there)" : "") + "; its log is " + logFile + ":\n"
                + tail(logFile, 30));
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM: Spring shuts down and stops its PostgreSQL cleanly
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("the control plane did not stop within {}; killing it", STOP_TIMEOUT);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }


    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }
}
