package dev.regatta.dataplane.front;

import dev.regatta.dataplane.nfs.nlm.CallbackTarget;
import dev.regatta.dataplane.nfs.nlm.NlmPeer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * Reaches a tunnelled client's lock manager and status monitor through its mount's callback line (the node cannot
 * connect to an instance: NAT, firewalls, and the tunnel's loopback addresses), and every other client the way
 * {@code direct} does.
 */
public final class TunnelCallbackTarget implements CallbackTarget {

    /** The callback lines: a loopback address to call a mount's program at, if the mount keeps a line open. */
    @FunctionalInterface
    public interface CallbackLines {
        Optional<InetSocketAddress> address(String mountId, int program, int version);
    }

    private final CallbackTarget direct;
    private final CallbackLines lines;

    public TunnelCallbackTarget(CallbackTarget direct, CallbackLines lines) {
        this.direct = direct;
        this.lines = lines;
    }

    @Override
    public InetSocketAddress locate(NlmPeer peer, int program, int version, Duration timeout) throws IOException {
        Optional<String> mountId = MountIdentity.mountIdOf(peer.client());
        if (mountId.isEmpty()) {
            return direct.locate(peer, program, version, timeout);
        }
        return lines.address(mountId.get(), program, version).orElseThrow(() -> new IOException("mount "
                + mountId.get() + " has no callback line open: its tunnel is down, or it mounted with locks=off or "
                + "with a mount.regatta older than callback lines"));
    }

    @Override
    public void failed(NlmPeer peer, int program, int version) {
        if (MountIdentity.mountIdOf(peer.client()).isEmpty()) {
            direct.failed(peer, program, version);
        }
    }
}
