package dev.regatta.dataplane.node;

import com.sun.net.httpserver.HttpServer;
import dev.regatta.pki.KeyMaterial;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A node given several control-plane instances: the first that answers is asked, a refusal is an answer. */
class ControlPlaneClientTest {

    private final AtomicInteger unavailableCalls = new AtomicInteger();
    private HttpServer unavailable;

    @AfterEach
    void stop() {
        if (unavailable != null) {
            unavailable.stop(0);
        }
    }

    @Test
    void anInstanceThatDoesNotAnswerHandsTheCallToTheNextWhichIsAskedFirstFromThen() throws Exception {
        try (FakeControlPlane answering = new FakeControlPlane()) {
            ControlPlaneClient client = new ControlPlaneClient(List.of(URI.create("http://127.0.0.1:" + closedPort()),
                    unavailable(), answering.url()));

            NodeMessages.Registration registered = client.register(FakeControlPlane.BOOTSTRAP_TOKEN, registration());

            assertThat(registered.nodeId()).isNotBlank();
            assertThat(unavailableCalls.get()).as("calls to the instance answering 503").isEqualTo(1);
            assertThat(client.baseUrl()).isEqualTo(answering.url().toString().replaceAll("/+$", ""));
            client.heartbeat(registered.nodeId(), registered.nodeToken(),
                    new NodeMessages.HeartbeatRequest(List.of(), "127.0.0.1:2049", null, null));
            assertThat(unavailableCalls.get()).as("the next call goes to the one that answered").isEqualTo(1);
            assertThat(answering.heartbeatsOf(registered.nodeId())).hasSize(1);
        }
    }

    @Test
    void whenNoneAnswersTheFailureNamesEach() throws Exception {
        URI closed = URI.create("http://127.0.0.1:" + closedPort());
        URI busy = unavailable();
        ControlPlaneClient client = new ControlPlaneClient(List.of(closed, busy));

        assertThatThrownBy(() -> client.register(FakeControlPlane.BOOTSTRAP_TOKEN, registration()))
                .isInstanceOfSatisfying(ControlPlaneException.class,
                        e -> assertThat(e.kind()).isEqualTo(ControlPlaneException.Kind.UNREACHABLE))
                .hasMessageContaining("POST " + closed + "/api/v1/nodes")
                .hasMessageContaining("POST " + busy + "/api/v1/nodes: HTTP 503");
    }

    @Test
    void aRefusalIsTheControlPlanesAnswerAndNoOtherInstanceIsAsked() throws Exception {
        try (FakeControlPlane refusing = new FakeControlPlane()) {
            ControlPlaneClient client = new ControlPlaneClient(List.of(refusing.url(), unavailable()));

            assertThatThrownBy(() -> client.register("not-the-bootstrap-token", registration()))
                    .isInstanceOfSatisfying(ControlPlaneException.class,
                            e -> assertThat(e.kind()).isEqualTo(ControlPlaneException.Kind.UNAUTHORIZED));
            assertThat(unavailableCalls.get()).isZero();
        }
    }

    private static NodeMessages.RegistrationRequest registration() {
        return new NodeMessages.RegistrationRequest("node-a", "127.0.0.1:20490",
                KeyMaterial.certificateRequest(KeyMaterial.generate(), "node-a"), "127.0.0.1:2049", null, null);
    }

    /** An instance behind a gateway that answers 503 (it is starting, or its database is away). */
    private URI unavailable() throws IOException {
        unavailable = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        unavailable.createContext("/", exchange -> {
            unavailableCalls.incrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        unavailable.start();
        return URI.create("http://127.0.0.1:" + unavailable.getAddress().getPort());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
