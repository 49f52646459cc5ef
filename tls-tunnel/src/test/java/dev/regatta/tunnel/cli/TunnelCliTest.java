package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.PemWriter;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI as scripts run it: separate processes, PEM files, the ready line on standard output, SIGTERM to stop.
 * The client end runs on Java 17 when this machine has one, as on an instance.
 */
class TunnelCliTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final Pattern READY = Pattern.compile("regatta-tunnel: listening 127\\.0\\.0\\.1:(\\d+)");
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    @TempDir
    Path directory;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void clientAndServerCarryBytesAndStopOnSigterm() throws Exception {
        TestCa.Issued node = CA.node("node-cli").issue();
        TestCa.Issued mount = CA.client("mount-cli").issue();
        Path ca = PemWriter.writeCertificates(directory.resolve("ca.pem"), CA.certificate());
        try (TestBackend backend = new TestBackend(TestBackend.ECHO)) {
            Process server = start(javaOf(Path.of(System.getProperty("java.home"), "bin", "java")), "server",
                    "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + backend.address().getPort(),
                    "--key", PemWriter.writeKey(directory.resolve("node-key.pem"), node.keys().getPrivate()).toString(),
                    "--cert", PemWriter.writeCertificates(directory.resolve("node.pem"), node.certificate()).toString(),
                    "--ca", ca.toString());
            int serverPort = readyPort(server);

            Process client = start(javaOf(JAVA_17), "client", "--connect", "127.0.0.1:" + serverPort,
                    "--node-id", "node-cli", "--port-range", "20049-20449",
                    "--key", PemWriter.writeKey(directory.resolve("key.pem"), mount.keys().getPrivate()).toString(),
                    "--cert", PemWriter.writeCertificates(directory.resolve("cert.pem"), mount.certificate()).toString(),
                    "--ca", ca.toString());
            int clientPort = readyPort(client);
            assertThat(clientPort).isBetween(20049, 20449);

            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), clientPort)) {
                socket.setSoTimeout((int) Await.DEFAULT.toMillis());
                byte[] request = "hello through the CLI".getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(request);
                assertThat(socket.getInputStream().readNBytes(request.length)).isEqualTo(request);
            }

            client.destroy();
            server.destroy();
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("the client stops on SIGTERM").isTrue();
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        }
    }

    @Test
    void aClientGivenSeveralNodesCarriesBytesThroughTheOneThatIsUp() throws Exception {
        TestCa.Issued node = CA.node("node-cli").issue(); // names 127.0.0.1, which hostname verification checks
        TestCa.Issued mount = CA.client("mount-cli").issue();
        Path ca = PemWriter.writeCertificates(directory.resolve("ca.pem"), CA.certificate());
        int down;
        try (ServerSocket released = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = released.getLocalPort();
        }
        try (TestBackend backend = new TestBackend(TestBackend.ECHO)) {
            Process server = start(javaOf(Path.of(System.getProperty("java.home"), "bin", "java")), "server",
                    "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + backend.address().getPort(),
                    "--key", PemWriter.writeKey(directory.resolve("node-key.pem"), node.keys().getPrivate()).toString(),
                    "--cert", PemWriter.writeCertificates(directory.resolve("node.pem"), node.certificate()).toString(),
                    "--ca", ca.toString());
            int serverPort = readyPort(server);

            Process client = start(javaOf(JAVA_17), "client", "--connect", "127.0.0.1:" + down + ",127.0.0.1:"
                            + serverPort, "--listen-port", "0",
                    "--key", PemWriter.writeKey(directory.resolve("key.pem"), mount.keys().getPrivate()).toString(),
                    "--cert", PemWriter.writeCertificates(directory.resolve("cert.pem"), mount.certificate()).toString(),
                    "--ca", ca.toString());
            int clientPort = readyPort(client);

            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), clientPort)) {
                socket.setSoTimeout((int) Await.DEFAULT.toMillis());
                byte[] request = "past the node that is down".getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(request);
                assertThat(socket.getInputStream().readNBytes(request.length)).isEqualTo(request);
            }
        }
    }

    @Test
    void clientListensOnTheGivenAddressAndPrintsItsPortmapperFirst() throws Exception {
        TestCa.Issued mount = CA.client("mount-cli").issue();
        Path ca = PemWriter.writeCertificates(directory.resolve("ca.pem"), CA.certificate());
        Process client = start(javaOf(JAVA_17), "client", "--connect", "127.0.0.1:9", "--node-id", "node-cli",
                "--listen-port", "0", "--listen-address", "127.0.77.8", "--portmapper",
                "--key", PemWriter.writeKey(directory.resolve("key.pem"), mount.keys().getPrivate()).toString(),
                "--cert", PemWriter.writeCertificates(directory.resolve("cert.pem"), mount.certificate()).toString(),
                "--ca", ca.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8));
        Matcher portmapper = Pattern.compile("regatta-tunnel: portmapper 127\\.0\\.77\\.8:(\\d+)")
                .matcher(String.valueOf(out.readLine()));
        assertThat(portmapper.matches()).isTrue();
        Matcher listening = Pattern.compile("regatta-tunnel: listening 127\\.0\\.77\\.8:(\\d+)")
                .matcher(String.valueOf(out.readLine()));
        assertThat(listening.matches()).isTrue();
        try (Socket socket = new Socket(InetAddress.getByName("127.0.77.8"),
                Integer.parseInt(portmapper.group(1)))) {
            assertThat(socket.isConnected()).isTrue();
        }
    }

    private static String javaOf(Path preferred) {
        return Files.isExecutable(preferred) ? preferred.toString()
                : Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Process start(String java, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                TunnelCli.class.getName()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(process);
        return process;
    }

    /** Reads standard output until the ready line, and returns its port. */
    private static int readyPort(Process process) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            Matcher ready = READY.matcher(line);
            if (ready.matches()) {
                return Integer.parseInt(ready.group(1));
            }
        }
        throw new AssertionError("the process ended without saying it was listening");
    }
}
