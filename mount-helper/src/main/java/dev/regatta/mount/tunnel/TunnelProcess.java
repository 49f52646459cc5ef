package dev.regatta.mount.tunnel;

import java.time.Instant;

/**
 * A started tunnel. The start time tells it apart from a later process that reuses its PID.
 *
 * @param startedAt      when the operating system started the process, if it says
 * @param port           the local port it listens on
 * @param portmapperPort the port of its portmapper (TCP and UDP), 0 for none
 */
public record TunnelProcess(long pid, Instant startedAt, int port, int portmapperPort) {

    public TunnelProcess(long pid, Instant startedAt, int port) {
        this(pid, startedAt, port, 0);
    }
}
