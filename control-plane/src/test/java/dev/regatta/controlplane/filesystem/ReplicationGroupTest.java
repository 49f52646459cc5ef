package dev.regatta.controlplane.filesystem;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The rules read off a group: who leads, where mounts go, whose report counts, how far members lag. */
class ReplicationGroupTest {

    private static final Instant NOW = Instant.parse("2026-11-26T09:00:00Z");

    private static Member member(String id, int position, boolean live, MemberRole role, Long term, Long applied,
                                 Instant reportedAt) {
        return member(id, position, NOW.minusSeconds(3600), live, role, term, applied, reportedAt);
    }

    private static Member member(String id, int position, Instant addedAt, boolean live, MemberRole role, Long term,
                                 Long applied, Instant reportedAt) {
        return new Member(id, "dp-" + id, null, id + ":20490", null, null, position, addedAt, live, NOW, role, term,
                applied, reportedAt);
    }

    @Test
    void ofTwoLeadersInOneTermTheLatestReportWins() {
        Member early = member("a", 0, true, MemberRole.LEADER, 7L, 10L, NOW.minusSeconds(20));
        Member late = member("b", 1, true, MemberRole.LEADER, 7L, 12L, NOW.minusSeconds(5));
        Member follower = member("c", 2, true, MemberRole.FOLLOWER, 7L, 9L, NOW);
        ReplicationGroup group = new ReplicationGroup("fs-1", 3, List.of(early, late, follower), 3, 3);

        assertThat(group.leader()).contains(late);
        assertThat(group.routes()).containsExactly(late, early, follower);
        assertThat(group.keepsReportOf("b")).isTrue();
        assertThat(group.keepsReportOf("a")).isFalse();
        assertThat(group.lag(follower)).isEqualTo(3);
    }

    @Test
    void aReplacementIsToldToTheOthersOnlyOnceItHasReportedOnTheFileSystem() {
        Member leader = member("a", 0, true, MemberRole.LEADER, 2L, 40L, NOW);
        Member follower = member("b", 1, true, MemberRole.FOLLOWER, 2L, 40L, NOW);
        Member joining = member("c", 2, NOW.minusSeconds(10), true, MemberRole.UNKNOWN, null, null, null);
        ReplicationGroup replaced = new ReplicationGroup("fs-1", 3, List.of(leader, follower, joining), 3, 3);

        assertThat(replaced.membersToldTo("a")).as("its leader, before it has opened the group")
                .containsExactly(leader, follower);
        assertThat(replaced.membersToldTo("c")).as("the replacement itself").containsExactly(leader, follower, joining);

        Member reported = member("c", 2, NOW.minusSeconds(10), true, MemberRole.FOLLOWER, 2L, -1L, NOW);
        assertThat(new ReplicationGroup("fs-1", 3, List.of(leader, follower, reported), 3, 3).membersToldTo("a"))
                .containsExactly(leader, follower, reported);

        // A new group: its members, placed together, start together, however soon one of them reports.
        Member first = member("a", 0, NOW, true, MemberRole.FOLLOWER, 1L, 0L, NOW);
        Member slow = member("b", 1, NOW, true, MemberRole.UNKNOWN, null, null, null);
        ReplicationGroup fresh = new ReplicationGroup("fs-1", 3, List.of(first, slow,
                member("c", 2, NOW, true, MemberRole.UNKNOWN, null, null, null)), 3, 3);
        assertThat(fresh.membersToldTo("a")).hasSize(3);
    }

    @Test
    void aGroupOfOneIsLedByItsLiveMemberWhateverItReports() {
        Member old = member("a", 0, true, MemberRole.UNKNOWN, null, null, null);
        ReplicationGroup group = new ReplicationGroup("fs-1", 1, List.of(old), 1, 0);

        assertThat(group.leader()).contains(old);
        assertThat(group.keepsReportOf("a")).isTrue();
        assertThat(group.lag(old)).as("the leader").isZero();
        assertThat(group.placement()).isEqualTo("placed on node dp-a");

        ReplicationGroup down = new ReplicationGroup("fs-1", 1,
                List.of(member("a", 0, false, MemberRole.UNKNOWN, null, null, null)), 0, 0);
        assertThat(down.leader()).isEmpty();
        assertThat(down.routes()).isEmpty();
        assertThat(down.servingNode().map(Member::nodeId)).as("shown, though down").contains("a");
        assertThat(down.unavailable(Duration.ofSeconds(45))).isEqualTo("no live data-plane node serves fs-1 (its "
                + "node dp-a has not heartbeated within 45 s); try again later");
    }

    @Test
    void theOnlyMemberLeftOfAGroupKeepsItsReportButLeadsOnlyByItsWord() {
        Member left = member("a", 0, true, MemberRole.FOLLOWER, 2L, 5L, NOW);
        ReplicationGroup group = new ReplicationGroup("fs-1", 3, List.of(left), 1, 1);

        assertThat(group.leader()).isEmpty();
        assertThat(group.keepsReportOf("a")).isTrue();
        assertThat(group.routes()).containsExactly(left);
        assertThat(group.lag(left)).as("no leader to lag behind").isNull();
    }

    @Test
    void anUnknownAppliedIndexHasNoLag() {
        Member leader = member("a", 0, true, MemberRole.LEADER, 1L, null, NOW);
        Member follower = member("b", 1, true, MemberRole.FOLLOWER, 1L, 4L, NOW);
        ReplicationGroup group = new ReplicationGroup("fs-1", 3, List.of(leader, follower), 2, 2);

        assertThat(group.lag(follower)).isNull();
        assertThat(group.lag(leader)).isZero();
    }

    @Test
    void anUnplacedGroupSaysWhatItWaitsFor() {
        assertThat(new ReplicationGroup("fs-1", 5, List.of(), 1, 1).placement())
                .isEqualTo("unplaced: file system fs-1 needs 5 live nodes with a replication address, 1 is live");
        assertThat(new ReplicationGroup("fs-1", 1, List.of(), 0, 0).placement())
                .isEqualTo("unplaced: no data-plane node is live; it is placed when one heartbeats");
        assertThat(new ReplicationGroup("fs-1", 1, List.of(), 0, 0).unavailable(Duration.ofSeconds(45)))
                .isEqualTo("no live data-plane node serves fs-1 (no node heartbeated within 45 s); try again later");
    }
}
