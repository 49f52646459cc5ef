package dev.regatta.dataplane.front;

import dev.regatta.dataplane.nfs.nlm.CallbackTarget;
import dev.regatta.dataplane.nfs.nlm.NlmPeer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Callbacks to tunnelled clients go through their mount's callback line; all others go directly. */
class TunnelCallbackTargetTest {

    private static final InetSocketAddress FRONT_HOP = new InetSocketAddress("127.0.0.1", 50123);
    private static final InetSocketAddress LINE = new InetSocketAddress("127.0.0.1", 41000);
    private static final InetSocketAddress DIRECT = new InetSocketAddress("10.0.0.9", 4045);

    private final List<String> directCalls = new ArrayList<>();
    private final List<String> lineCalls = new ArrayList<>();

    private final CallbackTarget direct = new CallbackTarget() {
        @Override
        public InetSocketAddress locate(NlmPeer peer, int program, int version, Duration timeout) {
            directCalls.add("locate " + peer.client() + " " + program);
            return DIRECT;
        }

        @Override
        public void failed(NlmPeer peer, int program, int version) {
            directCalls.add("failed " + peer.client() + " " + program);
        }
    };

    private final TunnelCallbackTarget target = new TunnelCallbackTarget(direct, (mountId, program, version) -> {
        lineCalls.add(mountId + " " + program + " v" + version);
        return mountId.equals("m-up") ? Optional.of(LINE) : Optional.empty();
    });

    private static NlmPeer tunnelled(String mountId) {
        String client = new MountIdentity(mountId, "fs-1", false, "grant-1", "arn:aws:iam::1:role/app",
                new InetSocketAddress("203.0.113.7", 40001)).clientName();
        return new NlmPeer(FRONT_HOP, client, "guest-a", null);
    }

    @Test
    void aTunnelledClientIsCalledThroughItsMountsLine() throws IOException {
        assertThat(target.locate(tunnelled("m-up"), 100021, 4, Duration.ofSeconds(1))).isEqualTo(LINE);
        assertThat(lineCalls).containsExactly("m-up 100021 v4");
        assertThat(directCalls).isEmpty();

        target.failed(tunnelled("m-up"), 100021, 4);
        assertThat(directCalls).as("nothing remembered for lines").isEmpty();
    }

    @Test
    void aTunnelledClientWithoutALineCannotBeCalledAndTheReasonSaysWhy() {
        assertThatThrownBy(() -> target.locate(tunnelled("m-down"), 100024, 1, Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("mount m-down has no callback line open");
        assertThat(directCalls).isEmpty();
    }

    @Test
    void aDirectClientIsLocatedDirectly() throws IOException {
        NlmPeer peer = new NlmPeer(new InetSocketAddress("10.0.0.9", 800), "10.0.0.9", "direct-host", null);
        assertThat(target.locate(peer, 100021, 4, Duration.ofSeconds(1))).isEqualTo(DIRECT);
        target.failed(peer, 100021, 4);
        assertThat(directCalls).containsExactly("locate 10.0.0.9 100021", "failed 10.0.0.9 100021");
        assertThat(lineCalls).isEmpty();
    }

    @Test
    void theMountIsReadBackFromTheClientNameOnly() {
        assertThat(MountIdentity.mountIdOf("mount:m-0123@2001:db8::7")).contains("m-0123");
        assertThat(MountIdentity.mountIdOf("10.0.0.9")).isEmpty();
        assertThat(MountIdentity.mountIdOf("mount:@10.0.0.9")).isEmpty();
        assertThat(MountIdentity.mountIdOf("mount:no-address")).isEmpty();
    }
}
