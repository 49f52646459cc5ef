package dev.regatta.dataplane.cli;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The ports up hands its nodes: each checked free, and never one handed out before. */
class NodeProcessPortsTest {

    @Test
    void noTwoPortsHandedToNodesAreTheSame() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            assertThat(seen.add(NodeProcess.unusedPort())).as("port handed out twice").isTrue();
        }
    }
}
