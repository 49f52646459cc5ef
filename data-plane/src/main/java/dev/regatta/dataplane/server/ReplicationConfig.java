package dev.regatta.dataplane.server;

import dev.regatta.dataplane.meta.Replication;

import java.time.Duration;
import java.util.List;

/**
 * How this node takes part in replication groups (one server for all of them, {@code meta.ReplicationServer}).
 *
 * @param name            its member name: {@code --node-name} without a control plane; null with one, where the node ID
 *                        the control plane gave is its name (known once the node has registered)
 * @param host            where its replication server listens, which is also where the other members reach it
 * @param port            its port, already resolved (a free one when 0 was asked for) so it can be told to others
 * @param electionTimeout how long a follower waits without hearing from a leader before it stands for election (at
 *                        most twice this)
 * @param members         without a control plane: the group of its one file system, this node among them; empty
 *                        with one, which places each file system's group
 */
public record ReplicationConfig(String name, String host, int port, Duration electionTimeout,
                                List<Replication.Member> members) {

    public ReplicationConfig {
        members = List.copyOf(members);
        if (electionTimeout.isNegative() || electionTimeout.isZero()) {
            throw new IllegalArgumentException("the election timeout must be positive: " + electionTimeout);
        }
    }

    /** The same, listening on {@code host} and {@code port} (the advertised host, a port resolved). */
    public ReplicationConfig listeningOn(String host, int port) {
        return new ReplicationConfig(name, host, port, electionTimeout, members);
    }

    /** host:port, as the control plane and the other members are told. */
    public String address() {
        return host + ":" + port;
    }
}
