package dev.regatta.tunnel.client;

import dev.regatta.tunnel.server.RefusalReason;
import dev.regatta.tunnel.server.TunnelServer;
import dev.regatta.tunnel.testing.Await;
import dev.regatta.tunnel.testing.CapturedLogs;
import dev.regatta.tunnel.testing.RecordingListener;
import dev.regatta.tunnel.testing.TestBackend;
import dev.regatta.tunnel.testing.TestCa;
import dev.regatta.tunnel.testing.Tunnels;
import dev.regatta.tunnel.tls.NodeVerification;
import dev.regatta.tunnel.tls.TlsCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client given every member of a replication group, against real tunnel servers on loopback, each on its own
 * address with a certificate naming only that address (so each is verified against its own host). Only the leader
 * admits: the others refuse right after the handshake, as a follower's TLS front does.
 */
class GroupFailoverTest {

    private static final TestCa CA = TestCa.create("Regatta test CA");
    private static final TlsCredentials MOUNT = CA.client("mount-1").issue().trusting(CA);

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void aClientWithEveryMemberRelaysThroughTheOneThatAdmitsIt() throws Exception {
        Member a = member(1, false);
        Member b = member(2, false);
        Member c = member(3, true);
        try (CapturedLogs logs = new CapturedLogs(LocalConnectionHandler.class)) {
            TunnelClient client = client(Duration.ofSeconds(20), a, b, c);

            assertEchoes(client, "through the leader");

            assertThat(a.listener.refused).singleElement()
                    .satisfies(refusal -> assertThat(refusal.reason()).contains("does not lead"));
            assertThat(b.listener.refused).hasSize(1);
            assertThat(a.backend.acceptedFrom()).isEmpty();
            assertThat(b.backend.acceptedFrom()).isEmpty();
            assertThat(c.listener.opened).hasSize(1);
            // Each closed the connection after the handshake; whether the client read that as the end of the
            // connection or as a reset (the request had reached the closing socket) is the kernel's timing.
            assertThat(logs.awaitWarnings("connected to " + c.address())).singleElement().satisfies(line ->
                    assertThat(line).startsWith("nodes " + a.address() + " (").contains(" and " + b.address() + " (",
                            "refused or are down; connected to " + c.address() + ", which new connections now try "
                            + "first"));

            // The next connection goes to the leader at once.
            assertEchoes(client, "straight to the leader");
            assertThat(a.listener.refused).hasSize(1);
            assertThat(b.listener.refused).hasSize(1);
            assertThat(c.listener.opened).hasSize(2);
        }
    }

    @Test
    void membersThatCannotBeReachedOrFailTheHandshakeArePassedOverAtOnce() throws Exception {
        NodeAddress down = new NodeAddress("127.0.0.1", freePort(InetAddress.getByName("127.0.0.1")));
        // Its certificate names another address than the one it is reached at.
        Member impostor = member(2, true, CA.node("node-2").withoutAlternativeNames().ipAddress("127.0.0.9"));
        Member leader = member(3, true);
        // A round that failed would wait 5 s.
        TunnelClient client = client(Duration.ofSeconds(20), Duration.ofSeconds(5),
                List.of(down, impostor.address(), leader.address()));

        long started = System.nanoTime();
        assertEchoes(client, "past two bad members");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait within a round")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(impostor.listener.opened).isEmpty();
        assertThat(leader.listener.opened).hasSize(1);
    }

    @Test
    void aConnectionDroppedByItsNodeSendsNewConnectionsToTheNextMemberFirst() throws Exception {
        Member a = member(1, true);
        Member b = member(2, false);
        Member c = member(3, false);
        try (CapturedLogs logs = new CapturedLogs(LocalConnectionHandler.class)) {
            TunnelClient client = client(Duration.ofSeconds(20), a, b, c);
            try (Socket first = Tunnels.connect(client)) {
                echo(first, "before the failover");

                // The leader loses its leadership: its connections close, and it refuses from now on.
                a.leads.set(false);
                b.leads.set(true);
                assertThat(a.server.closeWhere(identity -> true, "no longer leads")).isEqualTo(1);

                assertThat(first.getInputStream().read()).as("closed, for the NFS client to reconnect")
                        .isEqualTo(-1);
            }
            assertThat(logs.awaitWarnings("dropped the tunnel")).singleElement().satisfies(line ->
                    assertThat(line).startsWith("node " + a.address() + " dropped the tunnel of the local connection")
                            .endsWith("new connections try " + b.address() + " first"));

            assertEchoes(client, "after the failover");

            assertThat(a.listener.refused).as("the old leader was not tried first").isEmpty();
            assertThat(b.listener.opened).hasSize(1);
            assertThat(c.listener.refused).isEmpty();
        }
    }

    @Test
    void aConnectionOpenedWhileNoMemberAdmitsIsHeldUntilOneDoes() throws Exception {
        Member a = member(1, true);
        Member b = member(2, false);
        Member c = member(3, false);
        TunnelClient client = client(Duration.ofSeconds(20), a, b, c);
        assertEchoes(client, "before the leader stops");
        a.stop();

        try (Socket local = Tunnels.connect(client)) {
            byte[] request = "sent while no member leads".getBytes(StandardCharsets.US_ASCII);
            local.getOutputStream().write(request);
            Await.until("several rounds have failed", () -> c.listener.refused.size() >= 3);
            assertThat(client.openConnections()).as("the local connection is held open").isEqualTo(1);

            c.leads.set(true);

            assertThat(Tunnels.readFully(local.getInputStream(), request.length)).isEqualTo(request);
            local.shutdownOutput();
            assertThat(local.getInputStream().read()).as("the request reached the leader once").isEqualTo(-1);
        }
        assertThat(b.listener.refused.size()).isGreaterThanOrEqualTo(3);
        assertThat(c.listener.opened).hasSize(1);
        assertThat(c.server.refusals()).containsEntry(RefusalReason.NOT_ADMITTED, (long) c.listener.refused.size());
    }

    @Test
    void aLocalConnectionNoMemberTakesWithinTheHoldTimeIsClosedWithTheReasons() throws Exception {
        NodeAddress down = new NodeAddress("127.0.0.1", freePort(InetAddress.getByName("127.0.0.1")));
        Member follower = member(2, false);
        try (CapturedLogs logs = new CapturedLogs(LocalConnectionHandler.class)) {
            TunnelClient client = client(Duration.ofSeconds(1), List.of(down, follower.address()));
            long started = System.nanoTime();
            try (Socket local = Tunnels.connect(client)) {
                local.getOutputStream().write(1);
                assertThat(local.getInputStream().read()).as("closed in the end").isEqualTo(-1);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("held for the hold time")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            Await.until("the client end dropped the connection", () -> client.openConnections() == 0);
            assertThat(logs.awaitWarnings("closing the local connection from")).singleElement().satisfies(line ->
                    assertThat(line).contains("no member of " + down + ", " + follower.address()
                            + " takes the connection: ", down + ": ", "; " + follower.address() + ": ", " rounds in "));
        }
        assertThat(follower.listener.refused.size()).as("rounds went on through the hold time")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aSingleNodeThatRefusesClosesTheLocalConnectionAtOnceAsBefore() throws Exception {
        Member only = member(1, false);
        TunnelClient client = client(Duration.ofSeconds(20), only);

        try (Socket local = Tunnels.connect(client)) {
            local.getOutputStream().write(1);
            assertThat(local.getInputStream().read()).isEqualTo(-1);
        }
        // The node tells its listener after it closed the connection: the refusal may come after the local EOF.
        Await.until("the node reports its refusal", () -> !only.listener.refused.isEmpty());
        assertThat(only.listener.refused).as("not tried again").hasSize(1);
    }

    /** Echoes once through a new local connection. */
    private static void assertEchoes(TunnelClient client, String text) throws IOException {
        try (Socket local = Tunnels.connect(client)) {
            echo(local, text);
        }
    }

    private static void echo(Socket local, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        local.getOutputStream().write(bytes);
        assertThat(Tunnels.readFully(local.getInputStream(), bytes.length)).isEqualTo(bytes);
    }

    private TunnelClient client(Duration hold, Member... members) throws Exception {
        return client(hold, List.of(members).stream().map(Member::address).toList());
    }

    private TunnelClient client(Duration hold, List<NodeAddress> nodes) throws Exception {
        return client(hold, Duration.ofMillis(50), nodes);
    }

    private TunnelClient client(Duration hold, Duration backoff, List<NodeAddress> nodes) throws Exception {
        TunnelClient client = TunnelClient.builder().nodes(nodes).credentials(() -> MOUNT)
                .nodeVerification(NodeVerification.hostname()).listenPort(0).holdTime(hold)
                .retryBackoff(backoff).start();
        opened.add(client);
        return client;
    }

    private Member member(int n, boolean leads) throws Exception {
        return member(n, leads, CA.node("node-" + n).withoutAlternativeNames().ipAddress("127.0.0." + n));
    }

    private Member member(int n, boolean leads, TestCa.Issuer certificate) throws Exception {
        Member member = new Member("127.0.0." + n, leads, certificate.issue().trusting(CA));
        opened.add(member);
        return member;
    }

    /** A port of {@code address} that nothing listens on (just released). */
    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        }
    }

    /** One member of the group on its own loopback address, with its own echo backend; admits only while it leads. */
    private static final class Member implements AutoCloseable {

        final AtomicBoolean leads;
        final TestBackend backend = new TestBackend(TestBackend.ECHO);
        final RecordingListener listener = new RecordingListener();
        final TunnelServer server;
        private boolean stopped;

        Member(String ip, boolean leads, TlsCredentials credentials) throws IOException, GeneralSecurityException {
            this.leads = new AtomicBoolean(leads);
            server = TunnelServer.builder()
                    .listen(new InetSocketAddress(InetAddress.getByName(ip), 0))
                    .backend(backend.address())
                    .credentials(() -> credentials)
                    .admission((identity, remote) -> CompletableFuture.completedFuture(this.leads.get()
                            ? Optional.empty() : Optional.of(ip + " does not lead " + identity.fileSystemId())))
                    .listener(listener)
                    .threads(1)
                    .start();
        }

        NodeAddress address() {
            return new NodeAddress(server.localAddress().getAddress().getHostAddress(), server.port());
        }

        /** The node goes down: nothing listens on its address any more. */
        void stop() {
            server.close();
            stopped = true;
        }

        @Override
        public void close() throws IOException {
            if (!stopped) {
                server.close();
            }
            backend.close();
        }
    }
}
