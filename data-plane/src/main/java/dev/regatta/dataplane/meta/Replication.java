package dev.regatta.dataplane.meta;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a file system's metadata store joins its replication group: the group's name (the file system's ID), this
 * member's name, every member's replication address, and how long a follower waits without hearing from a leader
 * before it stands for election.
 *
 * @param group           the group's name; members of one group must agree on it and on {@code members}
 * @param self            this member's name, one of {@code members}
 * @param members         every member of the group, this one included (one member: a group of one, for trials)
 * @param electionTimeout the shortest wait before an election; the longest is twice it
 */
public record Replication(String group, String self, List<Member> members, Duration electionTimeout) {

    /** A member of the group and the address its log replication listens on. */
    public record Member(String name, String host, int port) {
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("member " + name + ": no such port " + port);
            }
        }

        String address() {
            return host + ":" + port;
        }
    }

    public Replication {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.name().equals(self))) {
            throw new IllegalArgumentException("member " + self + " is not one of the group's members " + members);
        }
        if (members.stream().map(Member::name).distinct().count() != members.size()) {
            throw new IllegalArgumentException("two members of group " + group + " share a name: " + members);
        }
        if (electionTimeout.isNegative() || electionTimeout.isZero()) {
            throw new IllegalArgumentException("the election timeout must be positive: " + electionTimeout);
        }
    }

    /** This member. */
    Member selfMember() {
        return members.stream().filter(m -> m.name().equals(self)).findFirst().orElseThrow();
    }
}
