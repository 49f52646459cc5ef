package dev.regatta.mount.testing;

import dev.regatta.mount.tunnel.TunnelLauncher;
import dev.regatta.mount.tunnel.TunnelProcess;
import dev.regatta.mount.tunnel.TunnelSpec;
import dev.regatta.mount.tunnel.TunnelStartFailure;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Tunnels that are only entries in a set: started, "running" until stopped or {@link #kill}ed. */
public final class FakeTunnels implements TunnelLauncher {

    public final List<TunnelSpec> started = new CopyOnWriteArrayList<>();
    public final List<Long> stopped = new CopyOnWriteArrayList<>();
    private final Set<Long> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong pids = new AtomicLong(40_000);
    private volatile String failure;
    /** The port a started portmapper gets when none is asked for. */
    public volatile int nextPortmapperPort = 40111;
    /** The portmapper port asked for is taken: a restarted tunnel's portmapper gets {@link #nextPortmapperPort}. */
    public volatile boolean portmapperPortTaken;

    @Override
    public TunnelProcess start(TunnelSpec spec) {
        started.add(spec);
        if (failure != null) {
            throw new TunnelStartFailure(failure);
        }
        long pid = pids.incrementAndGet();
        running.add(pid);
        int port = spec.listenPort().isPresent() ? spec.listenPort().getAsInt() : spec.portRange().first();
        int portmapper = !spec.portmapper() ? 0 : spec.portmapperPort() != 0 && !portmapperPortTaken
                ? spec.portmapperPort() : nextPortmapperPort;
        return new TunnelProcess(pid, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(pid), port, portmapper);
    }

    @Override
    public boolean isRunning(TunnelProcess tunnel) {
        return running.contains(tunnel.pid());
    }

    @Override
    public void stop(TunnelProcess tunnel) {
        stopped.add(tunnel.pid());
        running.remove(tunnel.pid());
    }

    public void kill(long pid) {
        running.remove(pid);
    }

    public boolean running(long pid) {
        return running.contains(pid);
    }

    public void failStarts(String message) {
        this.failure = message;
    }
}
