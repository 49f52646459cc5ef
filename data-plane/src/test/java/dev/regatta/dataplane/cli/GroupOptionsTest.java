package dev.regatta.dataplane.cli;

import dev.regatta.dataplane.meta.Replication;
import dev.regatta.dataplane.server.ReplicationConfig;
import dev.regatta.dataplane.server.DataPlaneConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --group-members and --node-name put a node without a control plane into its file system's replication group. */
class GroupOptionsTest {

    static DataPlaneConfig parse(String... args) {
        return CommandLine.populateCommand(new DataPlaneOptions(), args).toConfig();
    }

    @Test
    void withoutGroupMembersANodeServesItsFileSystemAlone() {
        assertThat(parse().replication()).isNull();
    }

    @Test
    void groupMembersAndNodeNameMakeTheGroup() {
        ReplicationConfig r = parse("--node-name", "b", "--election-timeout", "750ms", "--group-members",
                "a=10.0.0.1:7100,b=10.0.0.2:7100", "--group-members", "c=node-c.internal:7101").replication();
        assertThat(r.name()).isEqualTo("b");
        assertThat(r.address()).as("where its replication listens").isEqualTo("10.0.0.2:7100");
        assertThat(r.members()).containsExactly(new Replication.Member("a", "10.0.0.1", 7100),
                new Replication.Member("b", "10.0.0.2", 7100), new Replication.Member("c", "node-c.internal", 7101));
        assertThat(r.electionTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(parse("--node-name", "a", "--group-members", "a=h:1").replication().electionTimeout())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aMalformedOrIncompleteGroupIsRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("--group-members", "a=h:1,b=h:2"))
                .hasMessageContaining("needs --node-name");
        assertThatThrownBy(() -> parse("--node-name", "c", "--group-members", "a=h:1,b=h:2"))
                .hasMessageContaining("--node-name c is not one of --group-members");
        for (String bad : List.of("a", "a=h", "a=h:port", "=h:1", "a=:1")) {
            assertThatThrownBy(() -> parse("--node-name", "a", "--group-members", bad))
                    .as(bad).hasMessageContaining("is not NAME=HOST:PORT");
        }
        assertThatThrownBy(() -> parse("--node-name", "a", "--group-members", "a=h:70000"))
                .hasMessageContaining("no such port 70000");
        assertThatThrownBy(() -> parse("--node-name", "a", "--group-members", "a=h:1,a=g:2"))
                .hasMessageContaining("share a name");
        assertThatThrownBy(() -> parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t",
                "--node-name", "a", "--group-members", "a=h:1"))
                .hasMessageContaining("without a control plane");
    }

    @Test
    void aNodeIsGivenOneControlPlaneUrlOrEachInstances() {
        assertThat(parse("--control-plane", "https://cp.internal:8443", "--bootstrap-token", "t").controlPlane()
                .urls()).containsExactly(URI.create("https://cp.internal:8443"));
        assertThat(parse("--control-plane", "http://10.0.0.1:8080,http://10.0.0.2:8080", "--bootstrap-token", "t")
                .controlPlane().urls()).containsExactly(URI.create("http://10.0.0.1:8080"),
                URI.create("http://10.0.0.2:8080"));
    }

    @Test
    void aNodeOfAControlPlaneReplicatesOnItsPortAndNamesItsZone() {
        DataPlaneConfig node = parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t",
                "--zone", "eu-west-1a");
        assertThat(node.controlPlane().zone()).isEqualTo("eu-west-1a");
        assertThat(node.replication().port()).as("the default replication port").isEqualTo(20491);
        assertThat(node.replication().name()).as("the node's ID, once registered").isNull();
        assertThat(node.replication().members()).as("the control plane places groups").isEmpty();
        assertThat(parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t", "--replication-port", "-1")
                .replication()).as("a node that replicates nothing").isNull();
        assertThat(parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t").controlPlane().zone())
                .isNull();
        assertThatThrownBy(() -> parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t", "--zone",
                "eu west")).hasMessageContaining("--zone: 'eu west' is not");
        assertThatThrownBy(() -> parse("--control-plane", "https://cp:8443", "--bootstrap-token", "t",
                "--replication-port", "70000")).hasMessageContaining("--replication-port: no such port 70000");
    }
}
