package dev.regatta.dataplane.meta;

import java.util.List;
import java.util.Objects;

/**
 * A file system's replication group, as its metadata store joins it through this node's {@link ReplicationServer}:
 * the group's name (the file system's ID) and every member's name and replication address.
 *
 * @param group   the group's name; members of one group must agree on it and on {@code members}
 * @param members every member of the group, this node included (one member: a group of one, for trials)
 */
public record Replication(String group, List<Member> members) {

    /** A member of the group and the address its log replication listens on. */
    public record Member(String name, String host, int port) {
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("member " + name + ": no such port " + port);
            }
        }

        /**
         * The member {@code name} at {@code address}, {@code host:port} (an IPv6 host in brackets).
         *
         * @throws IllegalArgumentException naming what is wrong with the address
         */
        public static Member at(String name, String address) {
            int colon = address == null ? -1 : address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                throw new IllegalArgumentException("member " + name + ": '" + address + "' is not HOST:PORT");
            }
            String host = address.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("member " + name + ": '" + address + "' has no port number");
            }
            return new Member(name, host, port);
        }

        public String address() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    public Replication {
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("replication group " + group + " has no members");
        }
        if (members.stream().map(Member::name).distinct().count() != members.size()) {
            throw new IllegalArgumentException("two members of group " + group + " share a name: " + members);
        }
    }

    /** Whether {@code name} is one of the members. */
    public boolean hasMember(String name) {
        return members.stream().anyMatch(m -> m.name().equals(name));
    }
}
