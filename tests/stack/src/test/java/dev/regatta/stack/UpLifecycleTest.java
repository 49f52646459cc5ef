package dev.regatta.stack;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code regatta up}'s processes end with it, however it ends, and the next {@code up} on the same data directory
 * starts its own rather than talking to what an earlier one left running; {@code up} says {@code ready} only about
 * processes that are its own and alive. Each test runs its own stack.
 */
class UpLifecycleTest {

    private static final Duration START = Duration.ofMinutes(3);
    /** How long a control plane may take to stop its PostgreSQL and exit once its parent is gone. */
    private static final Duration STOP = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Path controlPlaneDir() {
        return data().resolve("control-plane");
    }

    private Path postgresDir() {
        return controlPlaneDir().resolve("postgres");
    }

    private RegattaUp up(String log, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--data-dir", data().toString(), "--s3-port", "0",
                "--nfs-port", "0", "--tls-port", "0"));
        if (extra.length == 0) {
            args.addAll(List.of("--api-port", "0"));
        }
        args.addAll(List.of(extra));
        return RegattaUp.start(dir.resolve(log), Map.of(), args.toArray(String[]::new));
    }

    @Test
    void killingUpWithSigkillLeavesNoControlPlaneNorPostgresAndTheNextUpIsReady() throws Exception {
        try (RegattaUp first = up("first.log")) {
            first.awaitLine("regatta: ready", START);
            List<ProcessHandle> controlPlanes = Processes.controlPlanesOn(controlPlaneDir());
            assertThat(controlPlanes).as("the control plane up started").hasSize(1);
            assertThat(controlPlanes.getFirst().parent().map(ProcessHandle::pid))
                    .contains(first.handle().pid());
            assertThat(Processes.postgresOn(postgresDir())).as("its PostgreSQL").isNotEmpty();

            first.kill();
        }

        assertThat(Processes.awaitNone(() -> Processes.controlPlanesOn(controlPlaneDir()), STOP))
                .as("control planes left running after up was killed").isEmpty();
        List<ProcessHandle> postgres = Processes.awaitNone(() -> Processes.postgresOn(postgresDir()), STOP);
        assertThat(postgres).as("PostgreSQL left running after up was killed: %s", Processes.describe(postgres))
                .isEmpty();

        try (RegattaUp next = up("next.log")) {
            next.awaitLine("regatta: ready", START);
            assertThat(ownControlPlane(next)).isPresent();
            next.stop();
        }
        assertThat(Processes.controlPlanesOn(controlPlaneDir())).isEmpty();
        assertThat(Processes.awaitNone(() -> Processes.postgresOn(postgresDir()), STOP)).isEmpty();
    }

    @Test
    void aControlPlaneAnEarlierUpLeftRunningIsStoppedAndTheNextUpServesItsOwn() throws Exception {
        int apiPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            apiPort = socket.getLocalPort();
        }
        // As up started it before it made its control plane end with it: nothing ends this one but a signal.
        Files.createDirectories(controlPlaneDir());
        Path repo = Path.of(System.getProperty("regatta.repo", "../..")).toAbsolutePath().normalize();
        Path jar = repo.resolve("control-plane/target/regatta-control-plane-"
                + System.getProperty("regatta.version", "0.1.0-SNAPSHOT") + ".jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("leftover.log").toFile());
        builder.environment().putAll(Map.of("REGATTA_DATA_DIR", controlPlaneDir().toString(),
                "SERVER_ADDRESS", "127.0.0.1", "SERVER_PORT", Integer.toString(apiPort)));
        Process leftover = builder.start();
        try {
            awaitAnswer(URI.create("http://127.0.0.1:" + apiPort + "/api/v1/service"), leftover);

            try (RegattaUp next = up("next.log", "--api-port", Integer.toString(apiPort))) {
                next.awaitLine("regatta: ready", START);
                assertThat(leftover.isAlive()).as("the leftover control plane").isFalse();
                assertThat(Files.readString(dir.resolve("next.log"))).contains("stopping the control plane (pid "
                        + leftover.pid() + ") that an earlier regatta up left running on " + controlPlaneDir());
                Optional<ProcessHandle> own = ownControlPlane(next);
                assertThat(own).isPresent();
                assertThat(Processes.controlPlanesOn(controlPlaneDir())).containsExactly(own.get());
                next.stop();
            }
        } finally {
            leftover.destroyForcibly().waitFor();
        }
    }

    @Test
    void aPostgresLeftByAKilledControlPlaneIsStoppedByTheNextUp() throws Exception {
        long postmaster;
        try (RegattaUp first = up("first.log")) {
            first.awaitLine("regatta: ready", START);
            postmaster = Long.parseLong(Files.readAllLines(postgresDir().resolve("postmaster.pid")).getFirst());
            ProcessHandle controlPlane = ownControlPlane(first).orElseThrow();
            // The control plane gets no chance to stop its PostgreSQL.
            controlPlane.destroyForcibly();
            controlPlane.onExit().get();
            first.kill();
        }
        assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive))
                .as("PostgreSQL outlives a control plane killed by SIGKILL").contains(true);

        try (RegattaUp next = up("next.log")) {
            next.awaitLine("regatta: ready", START);
            assertThat(ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive)).as("the old PostgreSQL")
                    .isEmpty();
            assertThat(Files.readString(data().resolve("control-plane.log"))).contains("stopping PostgreSQL (pid "
                    + postmaster + ") left running on " + postgresDir());
            next.stop();
        }
        assertThat(Processes.awaitNone(() -> Processes.postgresOn(postgresDir()), STOP)).isEmpty();
    }

    @Test
    void upIsNeverReadyWithAnotherProcessAnsweringOnItsApiPort() throws Exception {
        HttpServer impostor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        impostor.createContext("/", exchange -> {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        impostor.start();
        try (RegattaUp up = up("up.log", "--api-port", Integer.toString(impostor.getAddress().getPort()))) {
            up.handle().onExit().get(START.toSeconds(), TimeUnit.SECONDS);
            assertThat(up.seen()).doesNotContain("regatta: ready");
            assertThat(Files.readString(dir.resolve("up.log"))).contains("the control plane exited with status")
                    .contains("(another process answers on http://127.0.0.1:" + impostor.getAddress().getPort()
                            + ")");
        } finally {
            impostor.stop(0);
        }
        assertThat(Processes.controlPlanesOn(controlPlaneDir())).isEmpty();
    }

    /** The control plane {@code up} runs as its child. */
    private static Optional<ProcessHandle> ownControlPlane(RegattaUp up) {
        return up.handle().children().filter(ProcessHandle::isAlive)
                .filter(child -> Processes.commandLine(child.pid()).stream().anyMatch(arg -> arg.contains(
                        "regatta-control-plane")))
                .findFirst();
    }

    private static void awaitAnswer(URI uri, Process process) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the control plane started by hand did not answer on " + uri);
    }
}
