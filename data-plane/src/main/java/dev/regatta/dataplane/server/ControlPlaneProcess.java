package dev.regatta.dataplane.server;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The control plane as a child process of {@code regatta up}: the same Spring Boot jar production runs, on the
 * embedded PostgreSQL under the data directory, listening on loopback. Secrets reach it through its environment,
 * not its command line, so that {@code ps} does not show them.
 */
final class ControlPlaneProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlaneProcess.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

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

    private ControlPlaneProcess(Process process, URI api, Path logFile, Path dataDir,
                                Map<String, String> environment) {
        this.process = process;
        this.api = api;
        this.logFile = logFile;
        this.dataDir = dataDir;
        this.environment = Map.copyOf(environment);
    }

    /**
     * Starts the control plane and waits until its API answers.
     *
     * @param port 0 picks a free one
     * @param env  settings ({@code REGATTA_*}) for the control plane, e.g. its admin token
     */
    static ControlPlaneProcess start(Path jar, Path dataDir, int port, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the control plane's jar " + jar + " is missing; build it with "
                    + "./mvnw -pl control-plane -am -Dmaven.test.skip=true package (./regatta does this itself)");
        }
        int apiPort = port == 0 ? FreePort.check("127.0.0.1", 0) : port;
        Path logFile = dataDir.resolve("control-plane.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        // Any OutOfMemoryError ends the process at once, rather than leaving it half working.
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Map<String, String> environment = builder.environment();
        environment.putAll(env);
        Path ownDataDir = dataDir.resolve(DATA_SUBDIRECTORY).toAbsolutePath();
        environment.put("REGATTA_DATA_DIR", ownDataDir.toString());
        environment.put("SERVER_ADDRESS", "127.0.0.1");
        environment.put("SERVER_PORT", Integer.toString(apiPort));
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
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(api.resolve("/api/v1/service")).timeout(Duration.ofSeconds(5))
                .GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the control plane exited with status " + process.exitValue()
                        + " during start-up; its log is " + logFile + ":\n" + tail(logFile, 30));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the control plane did not answer on " + api + " within " + timeout
                + "; its log is " + logFile + ":\n" + tail(logFile, 30));
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
