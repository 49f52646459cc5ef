package dev.regatta.controlplane.status;

import dev.regatta.controlplane.filesystem.Member;
import dev.regatta.controlplane.filesystem.MemberRole;
import dev.regatta.controlplane.filesystem.ReplicationGroup;
import dev.regatta.controlplane.node.FileSystemReport;

import java.time.Instant;
import java.util.List;

/**
 * The status of a file system as the console shows it: the leader's latest report, and its group.
 *
 * @param latestReport null until the serving node (the leader) has reported on it
 * @param summary      "no report yet", or when and by whom it was last reported, and how many files are failing to
 *                     upload if any are (their paths and errors are in the report)
 * @param replicas     how many nodes its group has when complete
 * @param leader       the node ID of the member serving it, or null while none is known
 * @param placement    one line on the group: where it is placed, or why it is not, or what it lacks
 * @param members      the group's members in position order; empty while it is not placed
 */
public record FileSystemStatus(String fileSystemId, FileSystemReport latestReport, String summary, int replicas,
                               String leader, String placement, List<MemberStatus> members) {

    /**
     * A member of the group.
     *
     * @param node         its node's name
     * @param zone         its failure domain, or null
     * @param role         what it last reported being in the group
     * @param live         whether its node heartbeated within {@code regatta.nodes.dead-after}
     * @param tlsAddress   its TLS front (the node's {@code address})
     * @param appliedIndex the last replication-log index it reported applying, or null
     * @param lag          the leader's latest applied index minus this member's: 0 for the leader, null when either
     *                     is unknown
     * @param reportedAt   when it last reported on this file system, or null
     */
    public record MemberStatus(String nodeId, String node, String zone, MemberRole role, boolean live,
                               String nfsAddress, String tlsAddress, Long appliedIndex, Long lag, Instant reportedAt) {

        static MemberStatus of(ReplicationGroup group, Member m) {
            return new MemberStatus(m.nodeId(), m.name(), m.zone(), m.role(), m.live(), m.nfsAddress(), m.address(),
                    m.appliedIndex(), group.lag(m), m.reportedAt());
        }
    }

    public static FileSystemStatus of(ReplicationGroup group, FileSystemReport report) {
        String leader = group.leader().map(Member::nodeId).orElse(null);
        List<MemberStatus> members = group.members().stream().map(m -> MemberStatus.of(group, m)).toList();
        return new FileSystemStatus(group.fileSystemId(), report, summary(report), group.replicas(), leader,
                group.placement(), members);
    }

    private static String summary(FileSystemReport report) {
        if (report == null) {
            return "no report yet";
        }
        String summary = "reported by " + report.nodeId() + " at " + report.reportedAt();
        Integer failing = report.failingFiles();
        if (failing != null && failing > 0) {
            summary += "; " + failing + (failing == 1 ? " file is" : " files are") + " failing to upload, e.g. "
                    + report.failing().stream().findFirst().map(f -> f.path() + " (" + f.code() + ")").orElse("?");
        }
        return summary;
    }
}
