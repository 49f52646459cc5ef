package dev.regatta.tunnel.testing;

import dev.regatta.tunnel.ClientIdentity;
import dev.regatta.tunnel.server.TunnelListener;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every call, for assertions. */
public final class RecordingListener implements TunnelListener {

    public record Event(ClientIdentity identity, InetSocketAddress backendLocalAddress, InetSocketAddress remote) {
    }

    public record Refusal(InetSocketAddress remote, String reason) {
    }

    public final List<Event> opened = new CopyOnWriteArrayList<>();
    public final List<Event> closed = new CopyOnWriteArrayList<>();
    public final List<Refusal> refused = new CopyOnWriteArrayList<>();

    @Override
    public void opened(ClientIdentity identity, InetSocketAddress backendLocalAddress, InetSocketAddress remote) {
        opened.add(new Event(identity, backendLocalAddress, remote));
    }

    @Override
    public void closed(ClientIdentity identity, InetSocketAddress backendLocalAddress, InetSocketAddress remote) {
        closed.add(new Event(identity, backendLocalAddress, remote));
    }

    @Override
    public void refused(InetSocketAddress remote, String reason) {
        refused.add(new Refusal(remote, reason));
    }
}
