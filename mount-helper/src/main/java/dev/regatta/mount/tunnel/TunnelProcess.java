package dev.regatta.mount.tunnel;

import java.time.Instant;

/**
 * A started tunnel. The start time tells it apart from a later process that reuses its PID.
 *
 * @param startedAt when the operating system started the process, if it says
 * @param port      the local port it listens on
 */
public record TunnelProcess(long pid, Instant startedAt, int port) {
}
